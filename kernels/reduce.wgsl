// Reductions over any set of axes.
//
//   y[o] = scale · ⊕_{r < R} x[base(o) + off(r)]      ⊕ ∈ {sum (op 0), max (op 1), min (op 2)}
//   base(o): offset of output index o over the kept dims (out_shape, out_strides = the input's strides)
//   off(r):  offset of reduction index r over the reduced dims (red_shape, red_strides)
//
// reduce_workgroup: one workgroup per (output, chunk of R); WG threads stride over the chunk, then a tree in
//   workgroup memory; y[o·n_chunks + s]. With n_chunks > 1 the TS side reduces the partials in a second pass.
//   Grid: n_out·n_chunks workgroups folded to 2-D (x ≤ 65535).
// reduce_serial: one thread per output (for small R). Grid: ceil(n_out / WG) folded to 2-D.
// Bindings: x (read), y (read_write), params (uniform). Overrides: WG (power of two).
//! import "lib/index.wgsl"

struct ReduceParams {
  n_out: u32, r: u32, op: u32, out_rank: u32,
  red_rank: u32, scale: f32, chunk: u32, n_chunks: u32,
  out_shape: array<vec4<u32>, 2>, out_strides: array<vec4<u32>, 2>,
  red_shape: array<vec4<u32>, 2>, red_strides: array<vec4<u32>, 2>,
}

override WG: u32 = 64;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: ReduceParams;

var<workgroup> partial: array<f32, WG>;

fn identity(op: u32) -> f32 {
  switch op {
    case 1u: { return bitcast<f32>(0xff7fffffu); }  // -FLT_MAX
    case 2u: { return bitcast<f32>(0x7f7fffffu); }  // FLT_MAX
    default: { return 0.0; }
  }
}

fn combine(op: u32, a: f32, b: f32) -> f32 {
  switch op {
    case 1u: { return max(a, b); }
    case 2u: { return min(a, b); }
    default: { return a + b; }
  }
}

fn load(base: u32, r: u32) -> f32 {
  // Adjacent reduced dims are merged on the host, so one reduced dim (no div/mod) is the common case.
  if (params.red_rank == 1u) { return x[base + r * params.red_strides[0].x]; }
  return x[base + strided_offset(r, params.red_rank, params.red_shape, params.red_strides)];
}

@compute @workgroup_size(WG)
fn reduce_workgroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
  let flat = wid.x + wid.y * nwg.x;
  let o = flat / params.n_chunks;
  let c = flat % params.n_chunks;
  // o is uniform across the workgroup, so this early return keeps barriers uniform.
  if (o >= params.n_out) { return; }
  let base = strided_offset(o, params.out_rank, params.out_shape, params.out_strides);
  let r_end = min(params.r, (c + 1u) * params.chunk);
  var acc = identity(params.op);
  for (var r = c * params.chunk + lid; r < r_end; r += WG) {
    acc = combine(params.op, acc, load(base, r));
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] = combine(params.op, partial[lid], partial[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u) { y[flat] = partial[0] * params.scale; }
}

@compute @workgroup_size(WG)
fn reduce_serial(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flat_id(gid, nwg, WG);
  if (o >= params.n_out) { return; }
  let base = strided_offset(o, params.out_rank, params.out_shape, params.out_strides);
  var acc = identity(params.op);
  for (var r = 0u; r < params.r; r++) {
    acc = combine(params.op, acc, load(base, r));
  }
  y[o] = acc * params.scale;
}
