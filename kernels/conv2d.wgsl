// 2-D convolution (cross-correlation, torch.nn.functional.conv2d) as direct implicit GEMMs, NCHW, with stride,
// zero padding (top/left here; bottom/right only shape out_h/out_w), dilation and groups. Per group g, with
// G = g·cg + c (input channel), F = g·og + o (output channel):
//
//   conv2d_forward:         y[n, F, i, j]  = b[F]·has_bias + Σ_{c<cg, r<k_h, s<k_w} w[F, c, r, s] · x[n, G, ih, iw]
//                           with ih = i·stride_h − pad_t + r·dil_h, iw = j·stride_w − pad_l + s·dil_w (0 outside)
//   conv2d_backward_input:  dx[n, G, ih, iw] = Σ_{o<og, r, s} w[F, c, r, s] · dy[n, F, i, j]
//                           over the taps where ih + pad_t − r·dil_h = i·stride_h (likewise for j), 0 ≤ i < out_h
//                           (a gather: the transposed convolution, no atomics)
//   conv2d_backward_weight: dw[z, F, c, r, s] = Σ_{rows n·out_h + i in split z, j} dy[n, F, i, j] · x[n, G, ih, iw]
//                           (split-K over output rows; the host sums the splits)
//
// Each thread owns an 8×8 register tile: 8 channels × 8 consecutive pixels (output channels and pixels; input
// ones for backward_input), or 8 output channels × 8 weight taps q = (c, r, s) for backward_weight. Taps loop
// outside and channels inside, so a tap's bounds test is paid once, not per channel. Out-of-range pixels and
// channels are clamped on load and dropped on store; masked taps read element 0 and multiply by 0.
//
// Bindings: x, w, b (read; b may alias w when has_bias = 0), dy (read), y | dx | dw (read_write), params.
// Grids (tiles of 8·WG_X pixels or taps along x, 8·WG_Y channels along y):
//   forward:         [output-pixel tiles folded into x·y (row length tiles_x), groups · output-channel tiles]
//   backward_input:  [input-pixel tiles folded into x·y (row length tiles_x), groups · input-channel tiles]
//   backward_weight: [tap tiles, groups · output-channel tiles, splits]
// Overrides: WG_X, WG_Y (the host shapes them to the channel and tap counts, at most 64 threads).

struct Conv2dParams {
  n: u32, c: u32, in_h: u32, in_w: u32,
  o: u32, out_h: u32, out_w: u32, groups: u32,
  k_h: u32, k_w: u32, stride_h: u32, stride_w: u32,
  pad_t: u32, pad_l: u32, dil_h: u32, dil_w: u32,
  cg: u32, og: u32, tiles_x: u32, has_bias: u32,
  rows_per_split: u32, _pad0: u32, _pad1: u32, _pad2: u32,
}

override WG_X: u32 = 8;
override WG_Y: u32 = 8;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> dw: array<f32>;
@group(0) @binding(7) var<uniform> params: Conv2dParams;

// acc[2·i + h] holds channel i, pixels 4h..4h+3. One reduction step: acc += (lo, hi) ⊗ (q0, q1).
fn rank1(acc: ptr<function, array<vec4<f32>, 16>>, lo: vec4<f32>, hi: vec4<f32>, q0: vec4<f32>, q1: vec4<f32>) {
  (*acc)[0] += lo.x * q0; (*acc)[1] += lo.x * q1; (*acc)[2] += lo.y * q0; (*acc)[3] += lo.y * q1;
  (*acc)[4] += lo.z * q0; (*acc)[5] += lo.z * q1; (*acc)[6] += lo.w * q0; (*acc)[7] += lo.w * q1;
  (*acc)[8] += hi.x * q0; (*acc)[9] += hi.x * q1; (*acc)[10] += hi.y * q0; (*acc)[11] += hi.y * q1;
  (*acc)[12] += hi.z * q0; (*acc)[13] += hi.z * q1; (*acc)[14] += hi.w * q0; (*acc)[15] += hi.w * q1;
}

// A mask that keeps every value (the multiply folds away).
const ONES = array<f32, 8>(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0);

fn pack(v: array<f32, 8>) -> array<vec4<f32>, 2> {
  return array(vec4(v[0], v[1], v[2], v[3]), vec4(v[4], v[5], v[6], v[7]));
}

// x at 8 masked offsets (+ off), as two vec4s.
fn load_x(at: array<u32, 8>, off: u32, m: array<f32, 8>) -> array<vec4<f32>, 2> {
  var v: array<f32, 8>;
  for (var t = 0u; t < 8u; t++) { v[t] = x[at[t] + off] * m[t]; }
  return pack(v);
}

fn load_w(at: array<u32, 8>, off: u32) -> array<vec4<f32>, 2> {
  var v: array<f32, 8>;
  for (var t = 0u; t < 8u; t++) { v[t] = w[at[t] + off]; }
  return pack(v);
}

fn load_dy(at: array<u32, 8>, off: u32, m: array<f32, 8>) -> array<vec4<f32>, 2> {
  var v: array<f32, 8>;
  for (var t = 0u; t < 8u; t++) { v[t] = dy[at[t] + off] * m[t]; }
  return pack(v);
}

fn out_area() -> u32 { return params.out_h * params.out_w; }
fn in_area() -> u32 { return params.in_h * params.in_w; }
fn taps() -> u32 { return params.k_h * params.k_w; }

fn inside(v: i32, size: u32) -> bool { return v >= 0 && v < i32(size); }

// Linear tile index along x of a grid folded into x·y.
fn tile_x(wid: vec3<u32>) -> u32 { return wid.x + wid.y * params.tiles_x; }

@compute @workgroup_size(WG_X, WG_Y)
fn conv2d_forward(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let npix = params.n * out_area();
  let o_tiles = (params.og + 8u * WG_Y - 1u) / (8u * WG_Y);
  let g = wid.z / o_tiles;
  let o0 = ((wid.z % o_tiles) * WG_Y + lid.y) * 8u;
  let p0 = (tile_x(wid) * WG_X + lid.x) * 8u;
  if (p0 >= npix || o0 >= params.og) { return; }
  var xb: array<u32, 8>; var ih0: array<i32, 8>; var iw0: array<i32, 8>;
  var yb: array<u32, 8>; var wr: array<u32, 8>;
  for (var t = 0u; t < 8u; t++) {
    let p = min(p0 + t, npix - 1u);
    let nn = p / out_area();
    let pix = p % out_area();
    xb[t] = (nn * params.c + g * params.cg) * in_area();
    ih0[t] = i32((pix / params.out_w) * params.stride_h) - i32(params.pad_t);
    iw0[t] = i32((pix % params.out_w) * params.stride_w) - i32(params.pad_l);
    yb[t] = nn * params.o * out_area() + pix;
    wr[t] = (g * params.og + min(o0 + t, params.og - 1u)) * params.cg * taps();
  }
  var acc: array<vec4<f32>, 16>;
  for (var r = 0u; r < params.k_h; r++) {
    for (var s = 0u; s < params.k_w; s++) {
      var xo: array<u32, 8>; var xm: array<f32, 8>;
      for (var t = 0u; t < 8u; t++) {
        let ih = ih0[t] + i32(r * params.dil_h);
        let iw = iw0[t] + i32(s * params.dil_w);
        let ok = inside(ih, params.in_h) && inside(iw, params.in_w);
        xo[t] = select(0u, xb[t] + u32(ih) * params.in_w + u32(iw), ok);
        xm[t] = select(0.0, 1.0, ok);
      }
      let tap = r * params.k_w + s;
      for (var ci = 0u; ci < params.cg; ci++) {
        let q = load_x(xo, ci * in_area(), xm);
        let f = load_w(wr, ci * taps() + tap);
        rank1(&acc, f[0], f[1], q[0], q[1]);
      }
    }
  }
  for (var i = 0u; i < 8u; i++) {
    let o = o0 + i;
    if (o >= params.og) { return; }
    let oc = g * params.og + o;
    let bias = select(0.0, b[oc], params.has_bias != 0u);
    for (var t = 0u; t < 8u; t++) {
      if (p0 + t < npix) { y[yb[t] + oc * out_area()] = acc[2u * i + t / 4u][t % 4u] + bias; }
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn conv2d_backward_input(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let npix = params.n * in_area();
  let c_tiles = (params.cg + 8u * WG_Y - 1u) / (8u * WG_Y);
  let g = wid.z / c_tiles;
  let c0 = ((wid.z % c_tiles) * WG_Y + lid.y) * 8u;
  let p0 = (tile_x(wid) * WG_X + lid.x) * 8u;
  if (p0 >= npix || c0 >= params.cg) { return; }
  var db: array<u32, 8>; var th0: array<i32, 8>; var tw0: array<i32, 8>;
  var xi: array<u32, 8>; var wc: array<u32, 8>;
  for (var t = 0u; t < 8u; t++) {
    let p = min(p0 + t, npix - 1u);
    let nn = p / in_area();
    let pix = p % in_area();
    db[t] = (nn * params.o + g * params.og) * out_area();
    th0[t] = i32(pix / params.in_w + params.pad_t);
    tw0[t] = i32(pix % params.in_w + params.pad_l);
    xi[t] = (nn * params.c + g * params.cg) * in_area() + pix;
    wc[t] = min(c0 + t, params.cg - 1u) * taps();
  }
  let w_o = params.cg * taps();
  let w_g = g * params.og * w_o;
  var acc: array<vec4<f32>, 16>;
  for (var r = 0u; r < params.k_h; r++) {
    for (var s = 0u; s < params.k_w; s++) {
      var yo: array<u32, 8>; var ym: array<f32, 8>;
      for (var t = 0u; t < 8u; t++) {
        let th = th0[t] - i32(r * params.dil_h);
        let tw = tw0[t] - i32(s * params.dil_w);
        let uh = u32(max(th, 0));
        let uw = u32(max(tw, 0));
        let i = uh / params.stride_h;
        let j = uw / params.stride_w;
        let ok = th >= 0 && tw >= 0 && uh % params.stride_h == 0u && uw % params.stride_w == 0u &&
          i < params.out_h && j < params.out_w;
        yo[t] = select(0u, db[t] + i * params.out_w + j, ok);
        ym[t] = select(0.0, 1.0, ok);
      }
      let tap = w_g + r * params.k_w + s;
      for (var o = 0u; o < params.og; o++) {
        let q = load_dy(yo, o * out_area(), ym);
        let f = load_w(wc, o * w_o + tap);
        rank1(&acc, f[0], f[1], q[0], q[1]);
      }
    }
  }
  for (var i = 0u; i < 8u; i++) {
    let c = c0 + i;
    if (c >= params.cg) { return; }
    for (var t = 0u; t < 8u; t++) {
      if (p0 + t < npix) { dx[xi[t] + c * in_area()] = acc[2u * i + t / 4u][t % 4u]; }
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn conv2d_backward_weight(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let nq = params.cg * taps();
  let o_tiles = (params.og + 8u * WG_Y - 1u) / (8u * WG_Y);
  let g = wid.y / o_tiles;
  let o0 = ((wid.y % o_tiles) * WG_Y + lid.y) * 8u;
  let q0 = (wid.x * WG_X + lid.x) * 8u;
  if (q0 >= nq || o0 >= params.og) { return; }
  var xc: array<u32, 8>; var roff: array<i32, 8>; var coff: array<i32, 8>;
  var dyc: array<u32, 8>;
  for (var t = 0u; t < 8u; t++) {
    let q = min(q0 + t, nq - 1u);
    let tap = q % taps();
    xc[t] = (g * params.cg + q / taps()) * in_area();
    roff[t] = i32((tap / params.k_w) * params.dil_h) - i32(params.pad_t);
    coff[t] = i32((tap % params.k_w) * params.dil_w) - i32(params.pad_l);
    dyc[t] = (g * params.og + min(o0 + t, params.og - 1u)) * out_area();
  }
  let rows = params.n * params.out_h;
  let row0 = wid.z * params.rows_per_split;
  let row1 = min(row0 + params.rows_per_split, rows);
  var acc: array<vec4<f32>, 16>;
  for (var row = row0; row < row1; row++) {
    let nn = row / params.out_h;
    let i = row % params.out_h;
    let xn = nn * params.c * in_area();
    let yn = nn * params.o * out_area() + i * params.out_w;
    var xr: array<u32, 8>; var rok: array<bool, 8>;
    for (var t = 0u; t < 8u; t++) {
      let ih = i32(i * params.stride_h) + roff[t];
      rok[t] = inside(ih, params.in_h);
      xr[t] = xn + xc[t] + u32(max(ih, 0)) * params.in_w;
    }
    for (var j = 0u; j < params.out_w; j++) {
      var xo: array<u32, 8>; var xm: array<f32, 8>;
      for (var t = 0u; t < 8u; t++) {
        let iw = i32(j * params.stride_w) + coff[t];
        let ok = rok[t] && inside(iw, params.in_w);
        xo[t] = select(0u, xr[t] + u32(iw), ok);
        xm[t] = select(0.0, 1.0, ok);
      }
      let q = load_x(xo, 0u, xm);
      let f = load_dy(dyc, yn + j, ONES);
      rank1(&acc, f[0], f[1], q[0], q[1]);
    }
  }
  let out = wid.z * params.o * nq;
  for (var i = 0u; i < 8u; i++) {
    let o = o0 + i;
    if (o >= params.og) { return; }
    let base = out + (g * params.og + o) * nq;
    for (var t = 0u; t < 8u; t++) {
      if (q0 + t < nq) { dw[base + q0 + t] = acc[2u * i + t / 4u][t % 4u]; }
    }
  }
}
