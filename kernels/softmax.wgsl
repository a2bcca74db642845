// Softmax, log-softmax and cross-entropy along one axis.
//
// x is read as [outer, cols, inner]: row r = (o, i) holds x[o·cols·inner + c·inner + i] for c < cols, so any axis
// is handled in place, without a transpose (inner = 1 for the last axis).
//
//   softmax_forward_*:   y = exp(x − m) / s,  m = max_c x,  s = Σ_c exp(x − m)     (log = 1: y = x − m − log s)
//   softmax_backward_*:  dx = y ⊙ (dy − Σ_c dy·y)                                  (log = 1: dx = dy − exp(y)·Σ_c dy)
//   softmax_cross_entropy_forward_*: rows of logits x[N, C] (inner = 1) against the smoothed target distribution
//       q_c = (1 − ε)·t_c + ε/C,   t = onehot(label) (soft = 0) or given probabilities t[N, C] (soft = 1)
//       loss[n]  = Σ_c q_c·(lse − x_c) = Q·log s − (1 − ε)·Σ_c t_c·(x_c − m) − ε/C·Σ_c (x_c − m)
//       stats[n] = (lse, Q) with lse = m + log s, Q = Σ_c q_c, kept for the backward pass.
//       A label outside [0, C) makes loss[n] and stats[n].y NaN (so its gradients are NaN too): labels are GPU
//       data, and checking them on the CPU would cost a readback per step.
//   softmax_cross_entropy_backward:        dx[n, c] = dy[n]·(exp(x_c − lse)·Q − q_c)
//   softmax_cross_entropy_backward_target: dt[n, c] = dy[n]·(1 − ε)·(lse − x_c)      (soft targets only)
//
// *_row: a thread per row, for short rows or many rows (with inner > 1, neighbouring threads read neighbouring
//   addresses). *_workgroup: a workgroup per row, for few long rows; WG threads stride over the row, then trees in
//   workgroup memory. src/ops/softmax.ts picks one.
// Grids: *_row: ceil(rows / WG) folded to 2-D; *_workgroup: rows workgroups folded to 2-D (lib/index.wgsl);
//   softmax_cross_entropy_backward*: [ceil(C / WG), min(N, 65535), ceil(N / 65535)].
// Bindings: x (read), t (read: i32 labels or f32 probabilities, both as raw u32 bits), dy (read),
//   y (read_write; softmax_backward_* reads the saved forward output from it), loss, stats, dx, dt (read_write),
//   params (uniform). Overrides: WG (power of two).
//! import "lib/index.wgsl"

struct SoftmaxParams { rows: u32, cols: u32, inner: u32, log: u32, soft: u32, smoothing: f32 }

override WG: u32 = 64;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> t: array<u32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> dt: array<f32>;
@group(0) @binding(8) var<uniform> params: SoftmaxParams;

const NEG_MAX = bitcast<f32>(0xff7fffffu);  // -FLT_MAX

var<workgroup> partial: array<vec4<f32>, WG>;

fn quiet_nan() -> f32 {
  // A var, so the bit pattern is not constant-folded (a NaN constant expression is a shader-creation error).
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

fn row_base(r: u32) -> u32 {
  let o = r / params.inner;
  return o * params.cols * params.inner + (r - o * params.inner);
}

// Max over the workgroup, returned to every thread. The closing barrier lets the caller reuse `partial`.
fn tree_max(lid: u32, v: f32) -> f32 {
  partial[lid].x = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid].x = max(partial[lid].x, partial[lid + s].x); }
    workgroupBarrier();
  }
  let out = partial[0].x;
  workgroupBarrier();
  return out;
}

fn tree_sum(lid: u32, v: vec4<f32>) -> vec4<f32> {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  let out = partial[0];
  workgroupBarrier();
  return out;
}

fn softmax_write(base: u32, first: u32, step: u32, m: f32, s: f32) {
  let st = params.inner;
  if (params.log == 1u) {
    let shift = m + log(s);
    for (var c = first; c < params.cols; c += step) { y[base + c * st] = x[base + c * st] - shift; }
  } else {
    let inv = 1.0 / s;
    for (var c = first; c < params.cols; c += step) { y[base + c * st] = exp(x[base + c * st] - m) * inv; }
  }
}

// Σ_c dy·y for softmax, Σ_c dy for log-softmax, over this thread's share of the row.
fn backward_partial(base: u32, first: u32, step: u32) -> f32 {
  let st = params.inner;
  var acc = 0.0;
  for (var c = first; c < params.cols; c += step) {
    let g = dy[base + c * st];
    acc += select(g * y[base + c * st], g, params.log == 1u);
  }
  return acc;
}

fn backward_write(base: u32, first: u32, step: u32, total: f32) {
  let st = params.inner;
  for (var c = first; c < params.cols; c += step) {
    let i = base + c * st;
    if (params.log == 1u) { dx[i] = dy[i] - exp(y[i]) * total; } else { dx[i] = y[i] * (dy[i] - total); }
  }
}

// (s, Σ t·z, Σ z, Σ t) with z = x − m over this thread's share of a cross-entropy row (t only when soft).
fn ce_partial(base: u32, first: u32, step: u32, m: f32) -> vec4<f32> {
  var acc = vec4<f32>(0.0);
  for (var c = first; c < params.cols; c += step) {
    let z = x[base + c] - m;
    var tc = 0.0;
    if (params.soft == 1u) { tc = bitcast<f32>(t[base + c]); }
    acc += vec4<f32>(exp(z), tc * z, z, tc);
  }
  return acc;
}

fn ce_finish(r: u32, base: u32, m: f32, sums: vec4<f32>) {
  var acc = sums;
  var ok = true;
  if (params.soft == 0u) {
    let label = bitcast<i32>(t[r]);
    ok = label >= 0 && label < i32(params.cols);
    acc.y = x[base + u32(clamp(label, 0, i32(params.cols) - 1))] - m;
    acc.w = 1.0;
  }
  let eps = params.smoothing;
  let ls = log(acc.x);
  let q = (1.0 - eps) * acc.w + eps;
  let l = q * ls - (1.0 - eps) * acc.y - eps / f32(params.cols) * acc.z;
  loss[r] = select(quiet_nan(), l, ok);
  stats[r] = vec2<f32>(m + ls, select(quiet_nan(), q, ok));
}

@compute @workgroup_size(WG)
fn softmax_forward_row(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_id(gid, nwg, WG);
  if (r >= params.rows) { return; }
  let base = row_base(r);
  let st = params.inner;
  var m = NEG_MAX;
  for (var c = 0u; c < params.cols; c++) { m = max(m, x[base + c * st]); }
  var s = 0.0;
  for (var c = 0u; c < params.cols; c++) { s += exp(x[base + c * st] - m); }
  softmax_write(base, 0u, 1u, m, s);
}

@compute @workgroup_size(WG)
fn softmax_forward_workgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                             @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * nwg.x;
  // r is uniform across the workgroup, so the early return keeps the barriers uniform.
  if (r >= params.rows) { return; }
  let base = row_base(r);
  let st = params.inner;
  var m = NEG_MAX;
  for (var c = lid; c < params.cols; c += WG) { m = max(m, x[base + c * st]); }
  m = tree_max(lid, m);
  var s = 0.0;
  for (var c = lid; c < params.cols; c += WG) { s += exp(x[base + c * st] - m); }
  s = tree_sum(lid, vec4<f32>(s, 0.0, 0.0, 0.0)).x;
  softmax_write(base, lid, WG, m, s);
}

@compute @workgroup_size(WG)
fn softmax_backward_row(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_id(gid, nwg, WG);
  if (r >= params.rows) { return; }
  let base = row_base(r);
  backward_write(base, 0u, 1u, backward_partial(base, 0u, 1u));
}

@compute @workgroup_size(WG)
fn softmax_backward_workgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                              @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= params.rows) { return; }
  let base = row_base(r);
  let total = tree_sum(lid, vec4<f32>(backward_partial(base, lid, WG), 0.0, 0.0, 0.0)).x;
  backward_write(base, lid, WG, total);
}

@compute @workgroup_size(WG)
fn softmax_cross_entropy_forward_row(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_id(gid, nwg, WG);
  if (r >= params.rows) { return; }
  let base = r * params.cols;
  var m = NEG_MAX;
  for (var c = 0u; c < params.cols; c++) { m = max(m, x[base + c]); }
  ce_finish(r, base, m, ce_partial(base, 0u, 1u, m));
}

@compute @workgroup_size(WG)
fn softmax_cross_entropy_forward_workgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                   @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * nwg.x;
  if (r >= params.rows) { return; }
  let base = r * params.cols;
  var m = NEG_MAX;
  for (var c = lid; c < params.cols; c += WG) { m = max(m, x[base + c]); }
  m = tree_max(lid, m);
  let sums = tree_sum(lid, ce_partial(base, lid, WG, m));
  if (lid == 0u) { ce_finish(r, base, m, sums); }
}

// Target probability q_c of element (n, c), smoothing included.
fn smoothed_target(n: u32, c: u32) -> f32 {
  var tc = 0.0;
  if (params.soft == 1u) { tc = bitcast<f32>(t[n * params.cols + c]); }
  else if (bitcast<i32>(t[n]) == i32(c)) { tc = 1.0; }
  return (1.0 - params.smoothing) * tc + params.smoothing / f32(params.cols);
}

@compute @workgroup_size(WG)
fn softmax_cross_entropy_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = gid.x;
  let n = gid.y + gid.z * nwg.y;
  if (c >= params.cols || n >= params.rows) { return; }
  let i = n * params.cols + c;
  let st = stats[n];
  dx[i] = dy[n] * (exp(x[i] - st.x) * st.y - smoothed_target(n, c));
}

@compute @workgroup_size(WG)
fn softmax_cross_entropy_backward_target(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = gid.x;
  let n = gid.y + gid.z * nwg.y;
  if (c >= params.cols || n >= params.rows) { return; }
  let i = n * params.cols + c;
  dt[i] = dy[n] * (1.0 - params.smoothing) * (stats[n].x - x[i]);
}
