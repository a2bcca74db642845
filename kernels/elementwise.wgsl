// Elementwise maps.
//
//   elementwise_unary:     y[i]  = f_op(x[i]; alpha, beta)
//   elementwise_unary_backward: dx[i] = dy[i] · f_op'(x[i]; alpha, beta)
//   elementwise_binary:    y[i]  = a[offA(i)] ⊙_op b[offB(i)]   (NumPy broadcasting via strides, 0 on broadcast axes)
//   elementwise_binary_same: y[i] = a[i] ⊙_op b[i]             (equal shapes: no index arithmetic)
//   elementwise_where:     y[i]  = c[offC(i)] != 0 ? a[offA(i)] : b[offB(i)]
//   elementwise_fill:      y[i]  = alpha
//
// Op codes (must match src/ops/elementwise.ts):
//   unary : 0 relu, 1 elu(alpha), 2 sigmoid, 3 tanh, 4 softplus, 5 exp, 6 log, 7 pow(x, alpha), 8 clamp(alpha, beta),
//           9 affine x·alpha+beta, 10 abs, 11 sqrt, 12 neg, 13 reciprocal, 14 sign, 15 square, 16 floor
//   binary: 0 add, 1 sub, 2 mul, 3 div, 4 pow, 5 max, 6 min, 7 lt, 8 le, 9 gt, 10 ge, 11 eq, 12 ne
//
// Bindings: x|a (read), b (read), c (read), dy (read), y|dx (read_write), params (uniform).
// Grid: ceil(n / WG) workgroups folded to 2-D (see lib/index.wgsl). Overrides: WG.
//! import "lib/index.wgsl"

struct UnaryParams { n: u32, op: u32, alpha: f32, beta: f32 }
struct BinaryParams {
  n: u32, op: u32, rank: u32, _pad: u32,
  shape: array<vec4<u32>, 2>, sa: array<vec4<u32>, 2>, sb: array<vec4<u32>, 2>, sc: array<vec4<u32>, 2>,
}

override WG: u32 = 256;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> up: UnaryParams;
@group(0) @binding(6) var<uniform> bp: BinaryParams;

fn softplus(v: f32) -> f32 {
  // log(1 + e^v) without overflow: max(v, 0) + log1p(e^-|v|)
  return max(v, 0.0) + log(1.0 + exp(-abs(v)));
}

fn sigmoid(v: f32) -> f32 {
  // Branches keep exp's argument ≤ 0, so no inf/inf.
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}

fn unary(op: u32, v: f32, a: f32, bb: f32) -> f32 {
  switch op {
    case 0u: { return max(v, 0.0); }
    case 1u: { return select(a * (exp(v) - 1.0), v, v > 0.0); }
    case 2u: { return sigmoid(v); }
    case 3u: { return tanh(v); }
    case 4u: { return softplus(v); }
    case 5u: { return exp(v); }
    case 6u: { return log(v); }
    case 7u: { return select(pow(abs(v), a) * select(1.0, -1.0, v < 0.0 && fract(a * 0.5) != 0.0), pow(v, a), v > 0.0); }
    case 8u: { return clamp(v, a, bb); }
    case 9u: { return v * a + bb; }
    case 10u: { return abs(v); }
    case 11u: { return sqrt(v); }
    case 12u: { return -v; }
    case 13u: { return 1.0 / v; }
    case 14u: { return sign(v); }
    case 15u: { return v * v; }
    case 16u: { return floor(v); }
    default: { return 0.0; }
  }
}

fn unary_grad(op: u32, v: f32, a: f32, bb: f32) -> f32 {
  switch op {
    case 0u: { return select(0.0, 1.0, v > 0.0); }
    case 1u: { return select(a * exp(v), 1.0, v > 0.0); }
    case 2u: { let s = sigmoid(v); return s * (1.0 - s); }
    case 3u: { let t = tanh(v); return 1.0 - t * t; }
    case 4u: { return sigmoid(v); }
    case 5u: { return exp(v); }
    case 6u: { return 1.0 / v; }
    case 7u: {
      if (a == 0.0) { return 0.0; }
      return a * unary(7u, v, a - 1.0, bb);
    }
    case 8u: { return select(0.0, 1.0, v >= a && v <= bb); }
    case 9u: { return a; }
    case 10u: { return sign(v); }
    case 11u: { return 0.5 / sqrt(v); }
    case 12u: { return -1.0; }
    case 13u: { return -1.0 / (v * v); }
    case 15u: { return 2.0 * v; }
    default: { return 0.0; }
  }
}

fn binary(op: u32, p: f32, q: f32) -> f32 {
  switch op {
    case 0u: { return p + q; }
    case 1u: { return p - q; }
    case 2u: { return p * q; }
    case 3u: { return p / q; }
    case 4u: { return unary(7u, p, q, 0.0); }
    case 5u: { return max(p, q); }
    case 6u: { return min(p, q); }
    case 7u: { return select(0.0, 1.0, p < q); }
    case 8u: { return select(0.0, 1.0, p <= q); }
    case 9u: { return select(0.0, 1.0, p > q); }
    case 10u: { return select(0.0, 1.0, p >= q); }
    case 11u: { return select(0.0, 1.0, p == q); }
    case 12u: { return select(0.0, 1.0, p != q); }
    default: { return 0.0; }
  }
}

@compute @workgroup_size(WG)
fn elementwise_unary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= up.n) { return; }
  y[i] = unary(up.op, x[i], up.alpha, up.beta);
}

@compute @workgroup_size(WG)
fn elementwise_unary_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= up.n) { return; }
  y[i] = dy[i] * unary_grad(up.op, x[i], up.alpha, up.beta);
}

@compute @workgroup_size(WG)
fn elementwise_binary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= bp.n) { return; }
  let ia = strided_offset(i, bp.rank, bp.shape, bp.sa);
  let ib = strided_offset(i, bp.rank, bp.shape, bp.sb);
  y[i] = binary(bp.op, x[ia], b[ib]);
}

@compute @workgroup_size(WG)
fn elementwise_binary_same(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= up.n) { return; }
  y[i] = binary(up.op, x[i], b[i]);
}

@compute @workgroup_size(WG)
fn elementwise_where(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= bp.n) { return; }
  let ia = strided_offset(i, bp.rank, bp.shape, bp.sa);
  let ib = strided_offset(i, bp.rank, bp.shape, bp.sb);
  let ic = strided_offset(i, bp.rank, bp.shape, bp.sc);
  y[i] = select(b[ib], x[ia], c[ic] != 0.0);
}

@compute @workgroup_size(WG)
fn elementwise_fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= up.n) { return; }
  y[i] = up.alpha;
}
