// Elementwise maps.
//
//   elementwise_unary:     y[i]  = f_op(x[i]; alpha, beta)
//   elementwise_unary_backward: dx[i] = dy[i] · f_op'(x[i]; alpha, beta)
//   elementwise_binary:    y[i]  = a[offA(i)] ⊙_op b[offB(i)]   (NumPy broadcasting via strides, 0 on broadcast axes)
//   elementwise_binary_same: y[i] = a[i] ⊙_op b[i]             (equal shapes: no index arithmetic)
//   elementwise_binary_channel: one operand full, the other varying along one block of axes only (a per-channel
//                          scale [1, C, 1, 1] of [N, C, H, W]): its index is (i / inner) mod size, one div and one
//                          mod instead of elementwise_binary's per-axis walk for both operands. small_is_a says which.
//   elementwise_binary_rows: the same with rows of `inner` elements (inner ≥ WG): x = column, y·z = row, so the small
//                          operand's index is row mod size, computed once per workgroup row, and no per-element division.
//   elementwise_where:     y[i]  = c[offC(i)] != 0 ? a[offA(i)] : b[offB(i)]
//   elementwise_fill:      y[i]  = alpha
//
// Op codes: the UNARY_* and BINARY_* constants below; src/ops/elementwise.ts reads them from this file (wgsl_reflect),
// so the host never keeps its own copy. elu's alpha, pow's exponent, clamp's bounds and affine's scale and shift come
// in `alpha`/`beta`.
//
// Bindings: x|a (read), b (read), c (read), dy (read), y|dx (read_write), params (uniform).
// Grid: ceil(n / WG) workgroups folded to 2-D (see lib/index.wgsl); binary_rows: x = ceil(inner / WG), y·z = n / inner
// (y ≤ 65535). Overrides: WG.
//! import "lib/index.wgsl"

struct UnaryParams { n: u32, op: u32, alpha: f32, beta: f32 }
struct BinaryParams {
  n: u32, op: u32, rank: u32, _pad: u32,
  shape: array<vec4<u32>, 2>, sa: array<vec4<u32>, 2>, sb: array<vec4<u32>, 2>, sc: array<vec4<u32>, 2>,
}

struct ChannelParams { n: u32, op: u32, inner: u32, size: u32, small_is_a: u32, _pad0: u32, _pad1: u32, _pad2: u32 }

override WG: u32 = 256;

const UNARY_RELU: u32 = 0u;
const UNARY_ELU: u32 = 1u;
const UNARY_SIGMOID: u32 = 2u;
const UNARY_TANH: u32 = 3u;
const UNARY_SOFTPLUS: u32 = 4u;
const UNARY_EXP: u32 = 5u;
const UNARY_LOG: u32 = 6u;
const UNARY_POW: u32 = 7u;
const UNARY_CLAMP: u32 = 8u;
const UNARY_AFFINE: u32 = 9u;
const UNARY_ABS: u32 = 10u;
const UNARY_SQRT: u32 = 11u;
const UNARY_NEG: u32 = 12u;
const UNARY_RECIPROCAL: u32 = 13u;
const UNARY_SIGN: u32 = 14u;
const UNARY_SQUARE: u32 = 15u;
const UNARY_FLOOR: u32 = 16u;
const BINARY_ADD: u32 = 0u;
const BINARY_SUB: u32 = 1u;
const BINARY_MUL: u32 = 2u;
const BINARY_DIV: u32 = 3u;
const BINARY_POW: u32 = 4u;
const BINARY_MAX: u32 = 5u;
const BINARY_MIN: u32 = 6u;
const BINARY_LT: u32 = 7u;
const BINARY_LE: u32 = 8u;
const BINARY_GT: u32 = 9u;
const BINARY_GE: u32 = 10u;
const BINARY_EQ: u32 = 11u;
const BINARY_NE: u32 = 12u;


@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> up: UnaryParams;
@group(0) @binding(6) var<uniform> bp: BinaryParams;
@group(0) @binding(7) var<uniform> cp: ChannelParams;

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
    case UNARY_RELU: { return max(v, 0.0); }
    case UNARY_ELU: { return select(a * (exp(v) - 1.0), v, v > 0.0); }
    case UNARY_SIGMOID: { return sigmoid(v); }
    case UNARY_TANH: { return tanh(v); }
    case UNARY_SOFTPLUS: { return softplus(v); }
    case UNARY_EXP: { return exp(v); }
    case UNARY_LOG: { return log(v); }
    case UNARY_POW: { return select(pow(abs(v), a) * select(1.0, -1.0, v < 0.0 && fract(a * 0.5) != 0.0), pow(v, a), v > 0.0); }
    case UNARY_CLAMP: { return clamp(v, a, bb); }
    case UNARY_AFFINE: { return v * a + bb; }
    case UNARY_ABS: { return abs(v); }
    case UNARY_SQRT: { return sqrt(v); }
    case UNARY_NEG: { return -v; }
    case UNARY_RECIPROCAL: { return 1.0 / v; }
    case UNARY_SIGN: { return sign(v); }
    case UNARY_SQUARE: { return v * v; }
    case UNARY_FLOOR: { return floor(v); }
    default: { return 0.0; }
  }
}

fn unary_grad(op: u32, v: f32, a: f32, bb: f32) -> f32 {
  switch op {
    case UNARY_RELU: { return select(0.0, 1.0, v > 0.0); }
    case UNARY_ELU: { return select(a * exp(v), 1.0, v > 0.0); }
    case UNARY_SIGMOID: { let s = sigmoid(v); return s * (1.0 - s); }
    case UNARY_TANH: { let t = tanh(v); return 1.0 - t * t; }
    case UNARY_SOFTPLUS: { return sigmoid(v); }
    case UNARY_EXP: { return exp(v); }
    case UNARY_LOG: { return 1.0 / v; }
    case UNARY_POW: {
      if (a == 0.0) { return 0.0; }
      return a * unary(UNARY_POW, v, a - 1.0, bb);
    }
    case UNARY_CLAMP: { return select(0.0, 1.0, v >= a && v <= bb); }
    case UNARY_AFFINE: { return a; }
    case UNARY_ABS: { return sign(v); }
    case UNARY_SQRT: { return 0.5 / sqrt(v); }
    case UNARY_NEG: { return -1.0; }
    case UNARY_RECIPROCAL: { return -1.0 / (v * v); }
    case UNARY_SQUARE: { return 2.0 * v; }
    default: { return 0.0; }
  }
}

fn binary(op: u32, p: f32, q: f32) -> f32 {
  switch op {
    case BINARY_ADD: { return p + q; }
    case BINARY_SUB: { return p - q; }
    case BINARY_MUL: { return p * q; }
    case BINARY_DIV: { return p / q; }
    case BINARY_POW: { return unary(UNARY_POW, p, q, 0.0); }
    case BINARY_MAX: { return max(p, q); }
    case BINARY_MIN: { return min(p, q); }
    case BINARY_LT: { return select(0.0, 1.0, p < q); }
    case BINARY_LE: { return select(0.0, 1.0, p <= q); }
    case BINARY_GT: { return select(0.0, 1.0, p > q); }
    case BINARY_GE: { return select(0.0, 1.0, p >= q); }
    case BINARY_EQ: { return select(0.0, 1.0, p == q); }
    case BINARY_NE: { return select(0.0, 1.0, p != q); }
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
fn elementwise_binary_channel(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= cp.n) { return; }
  let k = (i / cp.inner) % cp.size;
  if (cp.small_is_a != 0u) { y[i] = binary(cp.op, x[k], b[i]); } else { y[i] = binary(cp.op, x[i], b[k]); }
}

@compute @workgroup_size(WG)
fn elementwise_binary_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                           @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = wid.y + wid.z * nwg.y;
  if (gid.x >= cp.inner || row * cp.inner >= cp.n) { return; }
  let i = row * cp.inner + gid.x;
  let k = row % cp.size;
  if (cp.small_is_a != 0u) { y[i] = binary(cp.op, x[k], b[i]); } else { y[i] = binary(cp.op, x[i], b[k]); }
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
