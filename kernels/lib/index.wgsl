// Shared index helpers.
// 1-D work is dispatched on a grid folded to 2-D (x ≤ 65535 workgroups); flat_id rebuilds the linear index.
fn flat_id(gid: vec3<u32>, nwg: vec3<u32>, wg: u32) -> u32 {
  return gid.x + gid.y * nwg.x * wg;
}

// Element k of a rank-≤8 u32 vector packed as array<vec4<u32>, 2> in a uniform.
fn at8(v: array<vec4<u32>, 2>, k: u32) -> u32 {
  return v[k / 4u][k % 4u];
}

// Offset of linear index i (over `shape`, row-major) in a tensor read through `strides`.
fn strided_offset(i: u32, rank: u32, shape: array<vec4<u32>, 2>, strides: array<vec4<u32>, 2>) -> u32 {
  var rem = i;
  var off = 0u;
  for (var k = i32(rank) - 1; k >= 0; k--) {
    let d = at8(shape, u32(k));
    off += (rem % d) * at8(strides, u32(k));
    rem /= d;
  }
  return off;
}
