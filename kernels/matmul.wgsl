// Batched matrix product with 8×8 register tiles read straight from storage (no workgroup memory).
//
//   c[z, i, j] = Σ_{κ < k} A_z[i, κ] · B_z[κ, j]                  for i < m, j < n
//   A_z[i, κ] = a[a_off(z) + i·a_rs + κ·a_cs]      B_z[κ, j] = b[b_off(z) + κ·b_rs + j·b_cs]
//   a_off(z), b_off(z): batch index z over batch_shape (row-major) dotted with a_bstrides / b_bstrides
//   (a zero stride broadcasts). c is contiguous [batch, m, n].
//
// Entry points differ only in how a thread loads its 8 values of A's column k and B's row k:
//   matmul_vv  A as two vec4 along i (a_rs = 1, m % 4 == 0), B as two vec4 along j (b_cs = 1, n % 4 == 0)
//   matmul_vs  A as vec4s, B as 8 scalars through b_cs
//   matmul_sv  A as 8 scalars through a_rs, B as vec4s
//   matmul_ss  both as scalars (any strides)
// The vec4 loads also need every batch offset to be a multiple of 4, which contiguous operands with those dims
// give. On llvmpipe each lane's load costs about a dozen FMAs, so each thread computes 8×8 outputs from 16
// values per k; rows and columns past the edge are clamped on load and dropped on store. (Loading 4 k at once
// along a contiguous k and transposing in registers measured slower: it keeps twice as many values live.)
//
// Bindings: a1, b1 (read, scalar view) or a4, b4 (read, vec4 view of the same tensors), c (read_write),
//   params (uniform).
// Grid: [tiles_x, ceil(m / (8·WG_Y)), batches]; tiles_x = ceil(n / (8·WG_X)); z is offset by batch_base
//   when the batch count exceeds 65,535 (several dispatches).
// Overrides: WG_X, WG_Y (workgroup shape). Threads whose whole tile lies outside c return at once, so on
//   llvmpipe an 8-lane group past the edge costs nothing; one shape serves all sizes (each pipeline variant costs
//   seconds of LLVM time on first use).
//! import "lib/index.wgsl"

struct MatmulParams {
  m: u32, n: u32, k: u32, batch_rank: u32,
  a_rs: u32, a_cs: u32, b_rs: u32, b_cs: u32,
  batch_base: u32, _pad0: u32, _pad1: u32, _pad2: u32,
  batch_shape: array<vec4<u32>, 2>, a_bstrides: array<vec4<u32>, 2>, b_bstrides: array<vec4<u32>, 2>,
}

override WG_X: u32 = 8;
override WG_Y: u32 = 8;

@group(0) @binding(0) var<storage, read> a1: array<f32>;
@group(0) @binding(1) var<storage, read> b1: array<f32>;
@group(0) @binding(2) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
@group(0) @binding(5) var<uniform> params: MatmulParams;

// One thread's tile: rows i0..i0+8 (clamped copies in ri for loads), columns j0..j0+8, batch offsets.
struct Tile { i0: u32, j0: u32, a_off: u32, b_off: u32, c_off: u32, ri: array<u32, 8>, rj: array<u32, 8> }

fn tile_of(lid: vec3<u32>, wid: vec3<u32>) -> Tile {
  var t: Tile;
  t.i0 = (wid.y * WG_Y + lid.y) * 8u;
  t.j0 = (wid.x * WG_X + lid.x) * 8u;
  let z = wid.z + params.batch_base;
  t.a_off = strided_offset(z, params.batch_rank, params.batch_shape, params.a_bstrides);
  t.b_off = strided_offset(z, params.batch_rank, params.batch_shape, params.b_bstrides);
  t.c_off = z * params.m * params.n;
  for (var q = 0u; q < 8u; q++) {
    t.ri[q] = min(t.i0 + q, params.m - 1u);
    t.rj[q] = min(t.j0 + q, params.n - 1u);
  }
  return t;
}

// acc[2·i + h] holds row i, columns 4h..4h+3. One k step: acc += a_col ⊗ b_row.
fn rank1(acc: ptr<function, array<vec4<f32>, 16>>, lo: vec4<f32>, hi: vec4<f32>, q0: vec4<f32>, q1: vec4<f32>) {
  (*acc)[0] += lo.x * q0;  (*acc)[1] += lo.x * q1;
  (*acc)[2] += lo.y * q0;  (*acc)[3] += lo.y * q1;
  (*acc)[4] += lo.z * q0;  (*acc)[5] += lo.z * q1;
  (*acc)[6] += lo.w * q0;  (*acc)[7] += lo.w * q1;
  (*acc)[8] += hi.x * q0;  (*acc)[9] += hi.x * q1;
  (*acc)[10] += hi.y * q0; (*acc)[11] += hi.y * q1;
  (*acc)[12] += hi.z * q0; (*acc)[13] += hi.z * q1;
  (*acc)[14] += hi.w * q0; (*acc)[15] += hi.w * q1;
}

// B[k, j0..j0+8] of a [k, n] operand (n % 4 == 0, so clamping a whole vec4 keeps it in the row).
fn b_row(t: Tile, k: u32) -> array<vec4<f32>, 2> {
  let base = (t.b_off + k * params.b_rs) / 4u;
  let last = params.n / 4u - 1u;
  return array(b4[base + min(t.j0 / 4u, last)], b4[base + min(t.j0 / 4u + 1u, last)]);
}

// A[i0..i0+8, k] of a [k, m] operand (m % 4 == 0), as (lo, hi).
fn a_col(t: Tile, k: u32) -> array<vec4<f32>, 2> {
  let base = (t.a_off + k * params.a_cs) / 4u;
  let last = params.m / 4u - 1u;
  return array(a4[base + min(t.i0 / 4u, last)], a4[base + min(t.i0 / 4u + 1u, last)]);
}

// The same through scalar loads, for any strides.
fn a1_col(t: Tile, k: u32) -> array<vec4<f32>, 2> {
  var v: array<f32, 8>;
  for (var r = 0u; r < 8u; r++) { v[r] = a1[t.a_off + k * params.a_cs + t.ri[r] * params.a_rs]; }
  return array(vec4(v[0], v[1], v[2], v[3]), vec4(v[4], v[5], v[6], v[7]));
}

fn b1_row(t: Tile, k: u32) -> array<vec4<f32>, 2> {
  var v: array<f32, 8>;
  for (var r = 0u; r < 8u; r++) { v[r] = b1[t.b_off + k * params.b_rs + t.rj[r] * params.b_cs]; }
  return array(vec4(v[0], v[1], v[2], v[3]), vec4(v[4], v[5], v[6], v[7]));
}

fn store(t: Tile, acc: array<vec4<f32>, 16>) {
  for (var r = 0u; r < 8u; r++) {
    let i = t.i0 + r;
    if (i >= params.m) { return; }
    let row = t.c_off + i * params.n;
    let lo = acc[2u * r];
    let hi = acc[2u * r + 1u];
    let j = t.j0;
    if (j < params.n) { c[row + j] = lo.x; }
    if (j + 1u < params.n) { c[row + j + 1u] = lo.y; }
    if (j + 2u < params.n) { c[row + j + 2u] = lo.z; }
    if (j + 3u < params.n) { c[row + j + 3u] = lo.w; }
    if (j + 4u < params.n) { c[row + j + 4u] = hi.x; }
    if (j + 5u < params.n) { c[row + j + 5u] = hi.y; }
    if (j + 6u < params.n) { c[row + j + 6u] = hi.z; }
    if (j + 7u < params.n) { c[row + j + 7u] = hi.w; }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn matmul_vv(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = tile_of(lid, wid);
  if (t.i0 >= params.m || t.j0 >= params.n) { return; }
  var acc: array<vec4<f32>, 16>;
  for (var k = 0u; k < params.k; k++) {
    let p = a_col(t, k);
    let q = b_row(t, k);
    rank1(&acc, p[0], p[1], q[0], q[1]);
  }
  store(t, acc);
}

@compute @workgroup_size(WG_X, WG_Y)
fn matmul_vs(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = tile_of(lid, wid);
  if (t.i0 >= params.m || t.j0 >= params.n) { return; }
  var acc: array<vec4<f32>, 16>;
  for (var k = 0u; k < params.k; k++) {
    let p = a_col(t, k);
    let q = b1_row(t, k);
    rank1(&acc, p[0], p[1], q[0], q[1]);
  }
  store(t, acc);
}

@compute @workgroup_size(WG_X, WG_Y)
fn matmul_sv(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = tile_of(lid, wid);
  if (t.i0 >= params.m || t.j0 >= params.n) { return; }
  var acc: array<vec4<f32>, 16>;
  for (var k = 0u; k < params.k; k++) {
    let p = a1_col(t, k);
    let q = b_row(t, k);
    rank1(&acc, p[0], p[1], q[0], q[1]);
  }
  store(t, acc);
}

@compute @workgroup_size(WG_X, WG_Y)
fn matmul_ss(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = tile_of(lid, wid);
  if (t.i0 >= params.m || t.j0 >= params.n) { return; }
  var acc: array<vec4<f32>, 16>;
  for (var k = 0u; k < params.k; k++) {
    let p = a1_col(t, k);
    let q = b1_row(t, k);
    rank1(&acc, p[0], p[1], q[0], q[1]);
  }
  store(t, acc);
}
