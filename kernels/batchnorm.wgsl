// Batch normalisation over the channel axis of x seen as [N, C, S] (S = H·W for [N, C, H, W], S = 1 for [N, C]).
// Each channel c has M = N·S values x[(n·C + c)·S + s].
//
//   channel statistics:       mean_c = Σ x / M;  var_c = Σ (x − mean_c)² / M (biased);  invstd_c = 1/√(var_c + eps)
//                             Two passes over the channel (mean first, then squared deviations), so large M with
//                             a large mean loses nothing to cancellation, unlike Σx² − M·mean².
//   running update (_update): running_mean ← (1−m)·running_mean + m·mean_c
//                             running_var  ← (1−m)·running_var  + m·var_c·M/(M−1)     (in place, torch semantics)
//   batchnorm_train_forward[_update]: training mode in one dispatch: one workgroup reduces channel c, writes its
//                             record to stats (and updates its running statistics), then writes the channel's y.
//   batchnorm_eval_stats:     the per-channel record from running_mean / running_var (eval mode).
//   batchnorm_forward:        y = (x − mean_c)·invstd_c·weight_c + bias_c (eval mode), and in train_forward; then
//                             max(y, 0) when relu = 1 (the pre-activation BN → ReLU of GRCL and bottleneck blocks)
//   batchnorm_backward:       with relu = 1, dy is first masked by y > 0 (y recomputed from x exactly as forward
//                             computes it, so the mask is ReLU's own; torch's relu' is 0 at 0)
//                             x̂ = (x − mean_c)·invstd_c;  dbias_c = Σ dy;  dweight_c = Σ dy·x̂
//                             training: dx = weight_c·invstd_c·(dy − dbias_c/M − x̂·dweight_c/M)
//                             eval:     dx = weight_c·invstd_c·dy
//                             accumulate = 1: dx += that (dx holds the gradient other consumers of x already
//                             gave, so the autograd's separate add disappears)
//                             Fused: one workgroup sums a channel, then writes that channel's dx.
//
// stats is array<vec4<f32>>, one record per channel: (mean, invstd, biased var, 0). Packing keeps backward's
// x, dy, stats, weight, dx, dweight, dbias at 7 storage bindings (limit 8).
//
// Bindings: x, dy, weight, bias (read); stats, y, dx, dweight, dbias, running_mean, running_var (read_write).
// backward with relu binds all of x, dy, stats, weight, bias, dx, dweight, dbias: WebGPU's minimum of 8 storage buffers.
// Grids:
//   train_forward[_update], backward: one workgroup per channel, C folded to 2-D (x ≤ 65535); WG threads stride
//                              the channel, then a tree in workgroup memory.
//   eval_stats:                ceil(C / WG) workgroups.
//   forward:                   x = ceil(cols / WG), y·z = rows (y ≤ 65535). NCHW: rows = N·C, cols = S, channel =
//                              row mod C. [N, C] (channel_last = 1): rows = N, cols = C, channel = column.
// Overrides: WG (power of two; the tree needs it).
//! import "lib/index.wgsl"

struct BatchnormParams {
  n: u32, c: u32, s: u32, rows: u32,
  cols: u32, channel_last: u32, training: u32, relu: u32,
  m: f32, eps: f32, momentum: f32, accumulate: u32,
}

override WG: u32 = 256;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(8) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(9) var<storage, read_write> running_mean: array<f32>;
@group(0) @binding(10) var<storage, read_write> running_var: array<f32>;
@group(0) @binding(11) var<uniform> params: BatchnormParams;

var<workgroup> part: array<vec2<f32>, WG>;

// A thread's walk over channel c: m = lid, lid + WG, ... < M, kept as (n, s, offset) so that a step costs adds
// and one compare instead of a division.
struct Cursor { n: u32, s: u32, off: u32 }

fn cursor_start(lid: u32, c: u32) -> Cursor {
  let n = lid / params.s;
  let s = lid % params.s;
  return Cursor(n, s, (n * params.c + c) * params.s + s);
}

fn cursor_next(cur: Cursor) -> Cursor {
  let dn = WG / params.s;
  let ds = WG % params.s;
  var r = Cursor(cur.n + dn, cur.s + ds, cur.off + dn * params.c * params.s + ds);
  if (r.s >= params.s) {
    r.s -= params.s;
    r.n += 1u;
    r.off += (params.c - 1u) * params.s;
  }
  return r;
}

// Sum of v over the workgroup; every thread gets the total. Must be called in uniform control flow.
fn tree_sum(lid: u32, v: vec2<f32>) -> vec2<f32> {
  part[lid] = v;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { part[lid] += part[lid + k]; }
    workgroupBarrier();
  }
  let total = part[0];
  // part is reused by the caller's next reduction.
  workgroupBarrier();
  return total;
}

// (mean, invstd, biased var, 0) of channel c; every thread gets it. Must be called in uniform control flow.
fn channel_stats(lid: u32, c: u32) -> vec4<f32> {
  var acc = 0.0;
  for (var cur = cursor_start(lid, c); cur.n < params.n; cur = cursor_next(cur)) {
    acc += x[cur.off];
  }
  let mean = tree_sum(lid, vec2<f32>(acc, 0.0)).x / params.m;
  var sq = 0.0;
  for (var cur = cursor_start(lid, c); cur.n < params.n; cur = cursor_next(cur)) {
    let d = x[cur.off] - mean;
    sq += d * d;
  }
  let v = tree_sum(lid, vec2<f32>(sq, 0.0)).x / params.m;
  return vec4<f32>(mean, inverseSqrt(v + params.eps), v, 0.0);
}

fn update_running(c: u32, st: vec4<f32>) {
  let unbiased = st.z * params.m / (params.m - 1.0);
  running_mean[c] = mix(running_mean[c], st.x, params.momentum);
  running_var[c] = mix(running_var[c], unbiased, params.momentum);
}

// y over channel c from its statistics: batchnorm_forward's arithmetic, so the values are bit-identical.
fn normalise_channel(lid: u32, c: u32, st: vec4<f32>) {
  let a = st.y * weight[c];
  for (var cur = cursor_start(lid, c); cur.n < params.n; cur = cursor_next(cur)) {
    let v = (x[cur.off] - st.x) * a + bias[c];
    y[cur.off] = select(v, max(v, 0.0), params.relu != 0u);
  }
}

@compute @workgroup_size(WG)
fn batchnorm_train_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                           @builtin(local_invocation_index) lid: u32) {
  let c = wid.x + wid.y * nwg.x;
  // c is uniform across the workgroup, so this return keeps the barriers uniform.
  if (c >= params.c) { return; }
  let st = channel_stats(lid, c);
  if (lid == 0u) { stats[c] = st; }
  normalise_channel(lid, c, st);
}

@compute @workgroup_size(WG)
fn batchnorm_train_forward_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                  @builtin(local_invocation_index) lid: u32) {
  let c = wid.x + wid.y * nwg.x;
  if (c >= params.c) { return; }
  let st = channel_stats(lid, c);
  if (lid == 0u) {
    stats[c] = st;
    update_running(c, st);
  }
  normalise_channel(lid, c, st);
}

@compute @workgroup_size(WG)
fn batchnorm_eval_stats(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = flat_id(gid, nwg, WG);
  if (c >= params.c) { return; }
  let v = running_var[c];
  stats[c] = vec4<f32>(running_mean[c], inverseSqrt(v + params.eps), v, 0.0);
}

@compute @workgroup_size(WG)
fn batchnorm_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                     @builtin(num_workgroups) nwg: vec3<u32>) {
  let col = gid.x;
  let row = wid.y + wid.z * nwg.y;
  if (col >= params.cols || row >= params.rows) { return; }
  let ch = select(row % params.c, col, params.channel_last != 0u);
  let i = row * params.cols + col;
  let st = stats[ch];
  let a = st.y * weight[ch];
  let v = (x[i] - st.x) * a + bias[ch];
  y[i] = select(v, max(v, 0.0), params.relu != 0u);
}

// dy of batchnorm_backward at `off` in channel c, masked by ReLU's y > 0 when relu = 1. a = invstd·weight_c, the
// forward's own factor, so y is bit-identical to batchnorm_forward's.
fn dy_at(off: u32, c: u32, mean: f32, a: f32) -> f32 {
  let g = dy[off];
  if (params.relu == 0u) { return g; }
  return select(0.0, g, (x[off] - mean) * a + bias[c] > 0.0);
}

@compute @workgroup_size(WG)
fn batchnorm_backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let c = wid.x + wid.y * nwg.x;
  if (c >= params.c) { return; }
  let st = stats[c];
  let mean = st.x;
  let invstd = st.y;
  let fa = invstd * weight[c];
  var acc = vec2<f32>(0.0);
  for (var cur = cursor_start(lid, c); cur.n < params.n; cur = cursor_next(cur)) {
    let g = dy_at(cur.off, c, mean, fa);
    acc += vec2<f32>(g, g * (x[cur.off] - mean));
  }
  let total = tree_sum(lid, acc);
  let db = total.x;
  let dw = total.y * invstd;
  if (lid == 0u) {
    dbias[c] = db;
    dweight[c] = dw;
  }
  let a = weight[c] * invstd;
  // Eval mode: the statistics are constants, so only the direct term remains.
  let train = f32(params.training);
  let mdy = train * db / params.m;
  let mdw = train * dw / params.m;
  for (var cur = cursor_start(lid, c); cur.n < params.n; cur = cursor_next(cur)) {
    let xhat = (x[cur.off] - mean) * invstd;
    let d = a * (dy_at(cur.off, c, mean, fa) - mdy - xhat * mdw);
    // select, not keep·dx: dx's old contents may be NaN garbage when accumulate = 0.
    dx[cur.off] = select(d, dx[cur.off] + d, params.accumulate != 0u);
  }
}
