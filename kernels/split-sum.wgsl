// Deferred split-K sums, batched: out_k[i] = Σ_{s < splits_k} part_k[s·n_k + i] for up to 8 tensors per dispatch
// (slot k binds part<k> and out<k>: 16 storage buffers; the host uses 4 slots where only 8 are allowed).
// The conv weight gradient is reduced over output rows in splits (conv2d_backward_weight); the splits of every
// conv of a backward pass are summed here together instead of one reduce dispatch per conv. Each output adds its
// splits in order from 0.0, as reduce_serial does over axis 0, so the sums are bit-identical to sum(part, 0).
//
// Grid: x·y = ceil(max n_k / WG) folded to 2-D, z = slot. Overrides: WG.
//! import "lib/index.wgsl"

struct SplitSumParams { n: array<vec4<u32>, 2>, splits: array<vec4<u32>, 2> }

override WG: u32 = 64;

@group(0) @binding(0) var<storage, read> part0: array<f32>;
@group(0) @binding(1) var<storage, read_write> out0: array<f32>;
@group(0) @binding(2) var<storage, read> part1: array<f32>;
@group(0) @binding(3) var<storage, read_write> out1: array<f32>;
@group(0) @binding(4) var<storage, read> part2: array<f32>;
@group(0) @binding(5) var<storage, read_write> out2: array<f32>;
@group(0) @binding(6) var<storage, read> part3: array<f32>;
@group(0) @binding(7) var<storage, read_write> out3: array<f32>;
@group(0) @binding(8) var<storage, read> part4: array<f32>;
@group(0) @binding(9) var<storage, read_write> out4: array<f32>;
@group(0) @binding(10) var<storage, read> part5: array<f32>;
@group(0) @binding(11) var<storage, read_write> out5: array<f32>;
@group(0) @binding(12) var<storage, read> part6: array<f32>;
@group(0) @binding(13) var<storage, read_write> out6: array<f32>;
@group(0) @binding(14) var<storage, read> part7: array<f32>;
@group(0) @binding(15) var<storage, read_write> out7: array<f32>;
@group(0) @binding(16) var<uniform> params: SplitSumParams;

@compute @workgroup_size(WG)
fn split_sum_slots8_multi(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  let k = gid.z;
  let n = params.n[k / 4u][k % 4u];
  if (i >= n) { return; }
  let splits = params.splits[k / 4u][k % 4u];
  var acc = 0.0;
  switch k {
    case 0u { for (var s = 0u; s < splits; s++) { acc += part0[s * n + i]; } out0[i] = acc; }
    case 1u { for (var s = 0u; s < splits; s++) { acc += part1[s * n + i]; } out1[i] = acc; }
    case 2u { for (var s = 0u; s < splits; s++) { acc += part2[s * n + i]; } out2[i] = acc; }
    case 3u { for (var s = 0u; s < splits; s++) { acc += part3[s * n + i]; } out3[i] = acc; }
    case 4u { for (var s = 0u; s < splits; s++) { acc += part4[s * n + i]; } out4[i] = acc; }
    case 5u { for (var s = 0u; s < splits; s++) { acc += part5[s * n + i]; } out5[i] = acc; }
    case 6u { for (var s = 0u; s < splits; s++) { acc += part6[s * n + i]; } out6[i] = acc; }
    case 7u { for (var s = 0u; s < splits; s++) { acc += part7[s * n + i]; } out7[i] = acc; }
    default {}
  }
}

@compute @workgroup_size(WG)
fn split_sum_slots4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_id(gid, nwg, WG);
  let k = gid.z;
  let n = params.n[k / 4u][k % 4u];
  if (i >= n) { return; }
  let splits = params.splits[k / 4u][k % 4u];
  var acc = 0.0;
  switch k {
    case 0u { for (var s = 0u; s < splits; s++) { acc += part0[s * n + i]; } out0[i] = acc; }
    case 1u { for (var s = 0u; s < splits; s++) { acc += part1[s * n + i]; } out1[i] = acc; }
    case 2u { for (var s = 0u; s < splits; s++) { acc += part2[s * n + i]; } out2[i] = acc; }
    case 3u { for (var s = 0u; s < splits; s++) { acc += part3[s * n + i]; } out3[i] = acc; }
    default {}
  }
}
