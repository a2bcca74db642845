// Bilinear grid sampling with zeros padding (torch.nn.functional.grid_sample, mode='bilinear',
// padding_mode='zeros', either align_corners).
//
//   ix = align ? (gx + 1)/2 · (W − 1) : ((gx + 1)·W − 1)/2      (iy likewise with gy, H)
//   x0 = ⌊ix⌋, y0 = ⌊iy⌋, fx = ix − x0, fy = iy − y0; taps outside the image read as 0
//   grid_sample_forward:         y[n,c,p] = Σ_taps w_tap · x[n,c,tap]
//   grid_sample_backward_input:  dx[s,n,c,tap] += w_tap · dy[n,c,p] for the points p of split s
//   grid_sample_backward_grid:   dgrid[k,n,p] = Σ_{c in chunk k} dy[n,c,p] · ∂y[n,c,p]/∂(gx, gy)
//     with ∂y/∂ix = (v_ne − v_nw)(1 − fy) + (v_se − v_sw) fy,  ∂y/∂iy = (v_sw − v_nw)(1 − fx) + (v_se − v_ne) fx,
//     ∂ix/∂gx = align ? (W − 1)/2 : W/2. The dispatcher sums the per-chunk partials when there is more than one.
//
// p runs over the P = Ho·Wo output points. In the forward and grid-gradient passes a thread takes one point of
// one image and a chunk of c_chunk channels: the taps are worked out once and reused for every channel (for the
// Gaussian readout, grid [N, 1, neurons, 2], that is one point per neuron and up to 256 channels).
//
// The input gradient is a scatter, and arbitrary grids have no practical gather form. Rather than a
// compare-exchange loop on atomic<u32> (WGSL has no f32 atomics), each thread owns one channel plane of one
// split of the points: it adds the taps of the split's points, in order, into its private copy dx[s, n, c]
// with plain read-modify-writes; the dispatcher zeroes dx first and sums the split copies after. No atomics,
// and the same bits on every run. Parallelism is splits·N·C threads: ample for the readout (N·C ≥ thousands);
// few channels over large images (warping RGB) get few threads, split only as far as the copies pay off.
// On llvmpipe, readout [32, 256, 16, 16] × 1000 points: about 1.5× less CPU time than the atomic loop.
//
// Bindings: x (read), grid (read, vec2 per point), dy (read), y (read_write), dx (read_write),
//   dgrid (read_write, vec2 per point), params (uniform).
// Grid: forward, backward_grid: ceil(P / WG) workgroups folded to 2-D (see lib/index.wgsl) × N·chunks in z;
//   backward_input: ceil(N·C / WG) folded to 2-D × splits in z.
// Overrides: WG.
//! import "lib/index.wgsl"

struct GridSampleParams {
  n: u32, c: u32, h: u32, w: u32,
  p: u32, align_corners: u32, c_chunk: u32, chunks: u32,
  p_chunk: u32, _pad0: u32, _pad1: u32, _pad2: u32,
}

override WG: u32 = 64;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> grid: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read_write> dgrid: array<vec2<f32>>;
@group(0) @binding(6) var<uniform> params: GridSampleParams;

// Where one point lands: tap offsets in a channel plane (nw, ne, sw, se), their weights (0 outside the
// image), which taps are inside, and the fractional position for the grid gradient.
struct Taps { off: vec4<u32>, wt: vec4<f32>, inside: vec4<bool>, frac: vec2<f32> }

// One thread's work item: point p of image n, channels [c0, c1).
struct Item { p: u32, n: u32, c0: u32, c1: u32, ok: bool }

fn item(gid: vec3<u32>, nwg: vec3<u32>) -> Item {
  let p = flat_id(gid, nwg, WG);
  let n = gid.z / params.chunks;
  let c0 = (gid.z % params.chunks) * params.c_chunk;
  return Item(p, n, c0, min(c0 + params.c_chunk, params.c), p < params.p);
}

fn taps(g: vec2<f32>) -> Taps {
  let size = vec2<f32>(f32(params.w), f32(params.h));
  var pos: vec2<f32>;
  if (params.align_corners != 0u) {
    pos = (g + 1.0) / 2.0 * (size - 1.0);
  } else {
    pos = ((g + 1.0) * size - 1.0) / 2.0;
  }
  var t: Taps;
  // Past these bounds every tap is outside (NaN fails the test too); inside them ⌊pos⌋ fits an i32.
  if (!(all(pos >= vec2<f32>(-1.0)) && all(pos < size))) {
    return t;
  }
  let base = floor(pos);
  let f = pos - base;
  let xy0 = vec2<i32>(base);
  let lo = xy0 >= vec2<i32>(0);
  let hi = xy0 + 1 < vec2<i32>(i32(params.w), i32(params.h));
  t.inside = vec4<bool>(lo.x && lo.y, hi.x && lo.y, lo.x && hi.y, hi.x && hi.y);
  let o = xy0.y * i32(params.w) + xy0.x;
  let offs = vec4<i32>(o, o + 1, o + i32(params.w), o + i32(params.w) + 1);
  t.off = select(vec4<u32>(0u), vec4<u32>(offs), t.inside);
  let wx = vec2<f32>(1.0 - f.x, f.x);
  let wy = vec2<f32>(1.0 - f.y, f.y);
  t.wt = select(vec4<f32>(0.0), vec4<f32>(wx * wy.x, wx * wy.y), t.inside);
  t.frac = f;
  return t;
}

// The four tap values of one channel plane; taps outside the image are 0 (never read as weight·x, so an
// inf or NaN elsewhere in the plane cannot leak in).
fn tap_values(plane: u32, t: Taps) -> vec4<f32> {
  let v = vec4<f32>(x[plane + t.off.x], x[plane + t.off.y], x[plane + t.off.z], x[plane + t.off.w]);
  return select(vec4<f32>(0.0), v, t.inside);
}

@compute @workgroup_size(WG)
fn grid_sample_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let it = item(gid, nwg);
  if (!it.ok) { return; }
  let t = taps(grid[it.n * params.p + it.p]);
  let hw = params.h * params.w;
  for (var c = it.c0; c < it.c1; c++) {
    let nc = it.n * params.c + c;
    y[nc * params.p + it.p] = dot(t.wt, tap_values(nc * hw, t));
  }
}

@compute @workgroup_size(WG)
fn grid_sample_backward_input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let nc = flat_id(gid, nwg, WG);
  let planes = params.n * params.c;
  if (nc >= planes) { return; }
  let n = nc / params.c;
  let plane = (gid.z * planes + nc) * params.h * params.w;
  let p1 = min(params.p, (gid.z + 1u) * params.p_chunk);
  for (var p = gid.z * params.p_chunk; p < p1; p++) {
    let t = taps(grid[n * params.p + p]);
    let d = dy[nc * params.p + p];
    for (var k = 0u; k < 4u; k++) {
      if (t.inside[k]) { dx[plane + t.off[k]] += t.wt[k] * d; }
    }
  }
}

@compute @workgroup_size(WG)
fn grid_sample_backward_grid(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let it = item(gid, nwg);
  if (!it.ok) { return; }
  let t = taps(grid[it.n * params.p + it.p]);
  let hw = params.h * params.w;
  var acc = vec2<f32>(0.0);
  if (any(t.inside)) {
    let f = t.frac;
    for (var c = it.c0; c < it.c1; c++) {
      let nc = it.n * params.c + c;
      let v = tap_values(nc * hw, t);
      let d_ix = mix(v.y - v.x, v.w - v.z, f.y);
      let d_iy = mix(v.z - v.x, v.w - v.y, f.x);
      acc += dy[nc * params.p + it.p] * vec2<f32>(d_ix, d_iy);
    }
  }
  let size = vec2<f32>(f32(params.w), f32(params.h));
  let scale = select(size, size - 1.0, params.align_corners != 0u) / 2.0;
  dgrid[((gid.z % params.chunks) * params.n + it.n) * params.p + it.p] = acc * scale;
}
