// Random tensors and dropout from the counter-based generator in lib/random.wgsl: element i of a tensor drawn
// with stream `key` uses counter i, so values do not depend on the grid and src/ref/random.ts reproduces them.
//
//   random_uniform: y[i] = shift + scale · U(key, i)          U in [0, 1) (24-bit)
//   random_normal:  y[i] = shift + scale · Z(key, i)          Z standard normal (Box–Muller)
//   random_dropout: y[i] = U(key, i) ≥ p ? x[i] · scale : 0   (scale = 1/(1 − p)); backward applies the same
//                   entry to dy with the same key, which regenerates the mask instead of storing it.
//
// Bindings: x (read), y (read_write), params (uniform).
// Grid: ceil(n / WG) workgroups folded to 2-D (see lib/index.wgsl). Overrides: WG.
//! import "lib/index.wgsl"
//! import "lib/random.wgsl"

struct RandomParams {
  key: vec2<u32>, n: u32, p: f32,
  scale: f32, shift: f32, _pad0: u32, _pad1: u32,
}

override WG: u32 = 256;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: RandomParams;

@compute @workgroup_size(WG)
fn random_uniform(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n) { return; }
  y[i] = params.shift + params.scale * rand_uniform(params.key, i);
}

@compute @workgroup_size(WG)
fn random_normal(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n) { return; }
  y[i] = params.shift + params.scale * rand_normal(params.key, i);
}

@compute @workgroup_size(WG)
fn random_dropout(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n) { return; }
  y[i] = select(0.0, x[i] * params.scale, rand_uniform(params.key, i) >= params.p);
}
