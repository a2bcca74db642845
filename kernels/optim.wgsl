// Fused optimiser updates: one dispatch per parameter per step, torch.optim semantics.
//
//   optim_sgd_step:           g = grad + wd·p;  p −= lr·g
//   optim_sgd_momentum_step:  g = grad + wd·p
//                             buf = first ? g : momentum·buf + (1 − dampening)·g      (torch clones g on step 1)
//                             p −= lr·(nesterov ? g + momentum·buf : buf)
//   optim_adam_step:          decoupled (AdamW): p ·= 1 − lr·wd;   else (Adam, L2): g = grad + wd·p
//                             m = β1·m + (1 − β1)·g;   v = β2·v + (1 − β2)·g²
//                             p −= step_size · m / (sqrt(v) / bc2_sqrt + eps)
//     step_size = lr / (1 − β1^t) and bc2_sqrt = sqrt(1 − β2^t) are computed from the step count t in f64 on
//     the CPU, as torch does; t and lr reach the kernel only through these uniforms, so schedules recompile nothing.
//
// Bindings: grad (read), p, buf, m, v (read_write), sgd | adam (uniform; one per entry point).
// Grid: ceil(n / WG) workgroups folded to 2-D (lib/index.wgsl). Overrides: WG.
//! import "lib/index.wgsl"

struct SgdParams { n: u32, first: u32, nesterov: u32, lr: f32, weight_decay: f32, momentum: f32, dampening: f32 }
struct AdamParams {
  n: u32, decoupled: u32, lr: f32, weight_decay: f32,
  beta1: f32, beta2: f32, eps: f32, step_size: f32, bc2_sqrt: f32,
}

override WG: u32 = 256;

@group(0) @binding(0) var<storage, read> grad: array<f32>;
@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read_write> buf: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<uniform> sgd: SgdParams;
@group(0) @binding(6) var<uniform> adam: AdamParams;

@compute @workgroup_size(WG)
fn optim_sgd_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= sgd.n) { return; }
  let w = p[i];
  p[i] = w - sgd.lr * (grad[i] + sgd.weight_decay * w);
}

@compute @workgroup_size(WG)
fn optim_sgd_momentum_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= sgd.n) { return; }
  let w = p[i];
  let g = grad[i] + sgd.weight_decay * w;
  var b = g;
  if (sgd.first == 0u) { b = sgd.momentum * buf[i] + (1.0 - sgd.dampening) * g; }
  buf[i] = b;
  p[i] = w - sgd.lr * select(b, g + sgd.momentum * b, sgd.nesterov == 1u);
}

@compute @workgroup_size(WG)
fn optim_adam_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= adam.n) { return; }
  var w = p[i];
  var g = grad[i];
  if (adam.decoupled == 1u) { w *= 1.0 - adam.lr * adam.weight_decay; } else { g += adam.weight_decay * w; }
  let mi = adam.beta1 * m[i] + (1.0 - adam.beta1) * g;
  let vi = adam.beta2 * v[i] + (1.0 - adam.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  p[i] = w - adam.step_size * mi / (sqrt(vi) / adam.bc2_sqrt + adam.eps);
}
