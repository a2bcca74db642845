// Fused gated residual update: the GRCL recursion step x_t = x_{t-1} + σ(g_t) ⊙ A_t(x_{t-1}) (GRCNN), also the
// gated update of conv-RNN cells.
//
//   gated_residual_forward:  y  = x + σ(g) ⊙ a
//   gated_residual_backward: dg = dy ⊙ a ⊙ σ(g)(1 − σ(g)),  da = dy ⊙ σ(g)
//                            (dx = dy: the dispatcher hands the incoming gradient on, no kernel needed)
//   gated_residual_sum_*:    the same with the gate a sum g + h (GRCL's gate conv_g_r(·) + conv_g_f(u)), so the add
//                            is not a dispatch of its own: y = x + σ(g + h) ⊙ a; dh = dg, and with accumulate = 1
//                            backward adds dg into dh in place (h's gradient from the other recursion steps).
//
// The plain entry points move vec4s: element block i < n4 = ⌊n / 4⌋, with the tensors bound as array<vec4<f32>>
// (a binding of n·4 bytes holds exactly n4 of them). The *_tail entry points finish the n − 4·n4 ≤ 3 elements
// left over, with the same tensors bound again as array<f32>; the dispatcher skips them when 4 divides n.
//
// Bindings (vec4 | scalar tail): x|x_tail, g|g_tail, h|h_tail, a|a_tail, dy|dy_tail (read);
//   y|y_tail, dg|dg_tail, da|da_tail, dh|dh_tail (read_write); params (uniform).
// Grid: ceil(n4 / WG) workgroups folded to 2-D (see lib/index.wgsl); tails: one workgroup of 4.
// Overrides: WG.
//! import "lib/index.wgsl"

struct GatedResidualParams { n: u32, n4: u32, accumulate: u32, _pad1: u32 }

override WG: u32 = 256;

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dg: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> da: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> x_tail: array<f32>;
@group(0) @binding(8) var<storage, read> g_tail: array<f32>;
@group(0) @binding(9) var<storage, read> a_tail: array<f32>;
@group(0) @binding(10) var<storage, read> dy_tail: array<f32>;
@group(0) @binding(11) var<storage, read_write> y_tail: array<f32>;
@group(0) @binding(12) var<storage, read_write> dg_tail: array<f32>;
@group(0) @binding(13) var<storage, read_write> da_tail: array<f32>;
@group(0) @binding(14) var<uniform> params: GatedResidualParams;
@group(0) @binding(15) var<storage, read> h: array<vec4<f32>>;
@group(0) @binding(16) var<storage, read> h_tail: array<f32>;
@group(0) @binding(17) var<storage, read_write> dh: array<vec4<f32>>;
@group(0) @binding(18) var<storage, read_write> dh_tail: array<f32>;

// σ with exp's argument kept ≤ 0, so large |g| gives 0 or 1, never inf/inf.
fn gate(v: vec4<f32>) -> vec4<f32> {
  let e = exp(-abs(v));
  let s = 1.0 / (1.0 + e);
  return select(e * s, s, v >= vec4<f32>(0.0));
}

struct Grads { dg: vec4<f32>, da: vec4<f32> }

fn grads(gv: vec4<f32>, av: vec4<f32>, dyv: vec4<f32>) -> Grads {
  let s = gate(gv);
  let ds = dyv * s;
  return Grads(ds * (1.0 - s) * av, ds);
}

@compute @workgroup_size(WG)
fn gated_residual_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n4) { return; }
  y[i] = x[i] + gate(g[i]) * a[i];
}

@compute @workgroup_size(WG)
fn gated_residual_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n4) { return; }
  let r = grads(g[i], a[i], dy[i]);
  dg[i] = r.dg;
  da[i] = r.da;
}

@compute @workgroup_size(4)
fn gated_residual_forward_tail(@builtin(local_invocation_index) lid: u32) {
  let i = params.n4 * 4u + lid;
  if (i >= params.n) { return; }
  y_tail[i] = x_tail[i] + gate(vec4<f32>(g_tail[i])).x * a_tail[i];
}

@compute @workgroup_size(4)
fn gated_residual_backward_tail(@builtin(local_invocation_index) lid: u32) {
  let i = params.n4 * 4u + lid;
  if (i >= params.n) { return; }
  let r = grads(vec4<f32>(g_tail[i]), vec4<f32>(a_tail[i]), vec4<f32>(dy_tail[i]));
  dg_tail[i] = r.dg.x;
  da_tail[i] = r.da.x;
}

@compute @workgroup_size(WG)
fn gated_residual_sum_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n4) { return; }
  y[i] = x[i] + gate(g[i] + h[i]) * a[i];
}

@compute @workgroup_size(WG)
fn gated_residual_sum_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n4) { return; }
  let r = grads(g[i] + h[i], a[i], dy[i]);
  dg[i] = r.dg;
  da[i] = r.da;
  if (params.accumulate != 0u) { dh[i] += r.dg; }
}

@compute @workgroup_size(4)
fn gated_residual_sum_forward_tail(@builtin(local_invocation_index) lid: u32) {
  let i = params.n4 * 4u + lid;
  if (i >= params.n) { return; }
  y_tail[i] = x_tail[i] + gate(vec4<f32>(g_tail[i] + h_tail[i])).x * a_tail[i];
}

@compute @workgroup_size(4)
fn gated_residual_sum_backward_tail(@builtin(local_invocation_index) lid: u32) {
  let i = params.n4 * 4u + lid;
  if (i >= params.n) { return; }
  let r = grads(vec4<f32>(g_tail[i] + h_tail[i]), vec4<f32>(a_tail[i]), vec4<f32>(dy_tail[i]));
  dg_tail[i] = r.dg.x;
  da_tail[i] = r.da.x;
  if (params.accumulate != 0u) { dh_tail[i] += r.dg.x; }
}
