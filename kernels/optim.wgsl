// Fused optimiser updates, torch.optim semantics: one dispatch per parameter, or per up to K parameters (below).
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

// Multi-tensor ("foreach") forms: one dispatch updates up to K parameters (slot k binds grad<k>, p<k>, buf<k> or
// m<k>, v<k>), which needs 3K (SGD) or 4K (Adam) storage buffers per stage: the host uses them only when the device
// allows that many (16 on lavapipe; WebGPU's default is 8). Grid z = slot, x·y = ceil(max n / WG) folded to 2-D;
// each slot's own n (and Adam's per-slot bias corrections, step counts differ when a parameter skipped a step)
// comes from the uniform (indexed inline: lib's at8 names its argument v, which reflection takes for binding v).
// WGSL cannot index bindings, so each slot is a case of a switch around one shared update.
struct SgdMultiParams {
  n: array<vec4<u32>, 2>, first: array<vec4<u32>, 2>,
  nesterov: u32, lr: f32, weight_decay: f32, momentum: f32, dampening: f32,
}
struct AdamMultiParams {
  n: array<vec4<u32>, 2>, step_size: array<vec4<f32>, 2>, bc2_sqrt: array<vec4<f32>, 2>,
  decoupled: u32, lr: f32, weight_decay: f32, beta1: f32, beta2: f32, eps: f32,
}

@group(0) @binding(7) var<storage, read> sgrad0: array<f32>;
@group(0) @binding(8) var<storage, read_write> sp0: array<f32>;
@group(0) @binding(9) var<storage, read_write> sbuf0: array<f32>;
@group(0) @binding(10) var<storage, read> sgrad1: array<f32>;
@group(0) @binding(11) var<storage, read_write> sp1: array<f32>;
@group(0) @binding(12) var<storage, read_write> sbuf1: array<f32>;
@group(0) @binding(13) var<storage, read> sgrad2: array<f32>;
@group(0) @binding(14) var<storage, read_write> sp2: array<f32>;
@group(0) @binding(15) var<storage, read_write> sbuf2: array<f32>;
@group(0) @binding(16) var<storage, read> sgrad3: array<f32>;
@group(0) @binding(17) var<storage, read_write> sp3: array<f32>;
@group(0) @binding(18) var<storage, read_write> sbuf3: array<f32>;
@group(0) @binding(19) var<storage, read> sgrad4: array<f32>;
@group(0) @binding(20) var<storage, read_write> sp4: array<f32>;
@group(0) @binding(21) var<storage, read_write> sbuf4: array<f32>;
@group(0) @binding(22) var<uniform> sgd_multi: SgdMultiParams;
@group(0) @binding(23) var<storage, read> agrad0: array<f32>;
@group(0) @binding(24) var<storage, read_write> ap0: array<f32>;
@group(0) @binding(25) var<storage, read_write> am0: array<f32>;
@group(0) @binding(26) var<storage, read_write> av0: array<f32>;
@group(0) @binding(27) var<storage, read> agrad1: array<f32>;
@group(0) @binding(28) var<storage, read_write> ap1: array<f32>;
@group(0) @binding(29) var<storage, read_write> am1: array<f32>;
@group(0) @binding(30) var<storage, read_write> av1: array<f32>;
@group(0) @binding(31) var<storage, read> agrad2: array<f32>;
@group(0) @binding(32) var<storage, read_write> ap2: array<f32>;
@group(0) @binding(33) var<storage, read_write> am2: array<f32>;
@group(0) @binding(34) var<storage, read_write> av2: array<f32>;
@group(0) @binding(35) var<storage, read> agrad3: array<f32>;
@group(0) @binding(36) var<storage, read_write> ap3: array<f32>;
@group(0) @binding(37) var<storage, read_write> am3: array<f32>;
@group(0) @binding(38) var<storage, read_write> av3: array<f32>;
@group(0) @binding(39) var<uniform> adam_multi: AdamMultiParams;

// (new p, new buf) of one element: optim_sgd_momentum_step's update.
fn sgd_momentum(w: f32, grad_i: f32, buf_i: f32, first: bool) -> vec2<f32> {
  let q = sgd_multi;
  let g = grad_i + q.weight_decay * w;
  var bb = g;
  if (!first) { bb = q.momentum * buf_i + (1.0 - q.dampening) * g; }
  return vec2<f32>(w - q.lr * select(bb, g + q.momentum * bb, q.nesterov == 1u), bb);
}

@compute @workgroup_size(WG)
fn optim_sgd_momentum_multi(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  let k = gid.z;
  if (i >= sgd_multi.n[k / 4u][k % 4u]) { return; }
  let first = sgd_multi.first[k / 4u][k % 4u] == 1u;
  switch k {
    case 0u { let r = sgd_momentum(sp0[i], sgrad0[i], sbuf0[i], first); sp0[i] = r.x; sbuf0[i] = r.y; }
    case 1u { let r = sgd_momentum(sp1[i], sgrad1[i], sbuf1[i], first); sp1[i] = r.x; sbuf1[i] = r.y; }
    case 2u { let r = sgd_momentum(sp2[i], sgrad2[i], sbuf2[i], first); sp2[i] = r.x; sbuf2[i] = r.y; }
    case 3u { let r = sgd_momentum(sp3[i], sgrad3[i], sbuf3[i], first); sp3[i] = r.x; sbuf3[i] = r.y; }
    case 4u { let r = sgd_momentum(sp4[i], sgrad4[i], sbuf4[i], first); sp4[i] = r.x; sbuf4[i] = r.y; }
    default {}
  }
}

// (new p, new m, new v) of one element: optim_adam_step's update with slot k's bias corrections.
fn adam_update(w0: f32, grad_i: f32, m_i: f32, v_i: f32, k: u32) -> vec3<f32> {
  let q = adam_multi;
  var w = w0;
  var g = grad_i;
  if (q.decoupled == 1u) { w *= 1.0 - q.lr * q.weight_decay; } else { g += q.weight_decay * w; }
  let mi = q.beta1 * m_i + (1.0 - q.beta1) * g;
  let vi = q.beta2 * v_i + (1.0 - q.beta2) * g * g;
  let step_size = q.step_size[k / 4u][k % 4u];
  let bc2_sqrt = q.bc2_sqrt[k / 4u][k % 4u];
  return vec3<f32>(w - step_size * mi / (sqrt(vi) / bc2_sqrt + q.eps), mi, vi);
}

@compute @workgroup_size(WG)
fn optim_adam_multi(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  let k = gid.z;
  if (i >= adam_multi.n[k / 4u][k % 4u]) { return; }
  switch k {
    case 0u { let r = adam_update(ap0[i], agrad0[i], am0[i], av0[i], k); ap0[i] = r.x; am0[i] = r.y; av0[i] = r.z; }
    case 1u { let r = adam_update(ap1[i], agrad1[i], am1[i], av1[i], k); ap1[i] = r.x; am1[i] = r.y; av1[i] = r.z; }
    case 2u { let r = adam_update(ap2[i], agrad2[i], am2[i], av2[i], k); ap2[i] = r.x; am2[i] = r.y; av2[i] = r.z; }
    case 3u { let r = adam_update(ap3[i], agrad3[i], am3[i], av3[i], k); ap3[i] = r.x; am3[i] = r.y; av3[i] = r.z; }
    default {}
  }
}
