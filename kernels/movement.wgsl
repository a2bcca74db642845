// Strided copy: the one kernel behind permute, expand, slice, concat and pad.
//
//   for i < n over `shape` (row-major):  y[y_base + Σ_k idx_k·y_strides_k] = x[x_base + Σ_k idx_k·x_strides_k]
//
// A zero stride broadcasts (expand); a permuted stride order transposes; bases and shape select a slice, or
// the slab of a concat/pad output that one input fills.
// Bindings: x (read), y (read_write), params (uniform). Grid: ceil(n / WG) folded to 2-D. Overrides: WG.
//! import "lib/index.wgsl"

struct CopyParams {
  n: u32, rank: u32, x_base: u32, y_base: u32,
  shape: array<vec4<u32>, 2>, x_strides: array<vec4<u32>, 2>, y_strides: array<vec4<u32>, 2>,
}

override WG: u32 = 256;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: CopyParams;

@compute @workgroup_size(WG)
fn movement_copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  if (i >= params.n) { return; }
  let xi = params.x_base + strided_offset(i, params.rank, params.shape, params.x_strides);
  let yi = params.y_base + strided_offset(i, params.rank, params.shape, params.y_strides);
  y[yi] = x[xi];
}
