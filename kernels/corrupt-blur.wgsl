// Blur corruptions and the image filters other corruptions build on. Images are planes [P, H, W] (P = N·C);
// every pass reads x and writes y (never in place) except glass, which shuffles y in place.
//
//   corrupt_blur_separable: y[p,i,j] = Σ_k w[k]·x[p, fold(i+k−r)] along `axis` (0 rows, 1 columns), border
//                           `mode` (lib/corrupt.wgsl fold): scipy/skimage gaussian_filter, one axis per dispatch.
//   corrupt_blur_conv2d:    y[p,i,j] = Σ_{a,b} k[a,b]·x[p, fold(i+a−r), fold(j+b−r)]   (cv2.filter2D; defocus disk)
//   corrupt_blur_motion:    y[p,i,j] = Σ_t w_t·x[p, clamp(i−dy_t), clamp(j−dx_t)]   taps (dx, dy, w, 0) per image:
//                           imagecorruptions' `_motion_blur` (numpy shift with edge replication)
//   corrupt_blur_zoom:      y = clip((x + Σ_z zoom_z(x)[:H, :W]) / (n_z + 1)); zoom_z samples the centre crop
//                           bilinearly at top + i·(crop−1)/(out−1) (scipy.ndimage.zoom, order 1). Two vec4 per
//                           factor: (top, scale, last, valid) for rows, then for columns; samples at i ≥ valid
//                           are 0 (scipy's 'constant' zoom where i·scale overshoots the crop in f64).
//   corrupt_blur_glass:     ImageNet-C glass blur pixel shuffle, in place on y: `iters` passes, rows h = H−δ … δ+1,
//                           columns w = W−δ … δ+1 (both descending), (dx, dy) = ⌊2δ·U⌋ − δ from counter
//                           (it·H + h)·W + w; swaps gray pixels and, for colour, copies pixel (h+dy, w+dx) onto
//                           (h, w) — what the numpy/numba tuple assignment of pixel views in the original does.
//                           The loop is sequential by definition: one thread per image and channel (colour
//                           channels see the same draws and never mix).
//
// `post` on the filters: 0 none, 1 floor(255·v)/255 (the numpy uint8 cast), 2 clip to [0, 1].
// Bindings: x (read), w (read: 1-D weights or the 2-D kernel), taps (read: motion taps or zoom rows),
// y (read_write), one params uniform per entry (params or glass).
// Grid: (ceil(W / TILE), ceil(H / TILE), P) for the filters; (ceil(P / WG)) for glass. Overrides: TILE, WG.
//! import "lib/corrupt.wgsl"

struct FilterParams { w: u32, h: u32, c: u32, axis: u32, radius: u32, mode: u32, post: u32, taps: u32 }
struct GlassParams { w: u32, h: u32, c: u32, n: u32, delta: u32, iters: u32, first: u32, seed: u32, tag: u32 }

override TILE: u32 = 8;
override WG: u32 = 64;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> taps: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> params: FilterParams;
@group(0) @binding(5) var<uniform> glass: GlassParams;

fn finish(v: f32) -> f32 {
  switch params.post {
    case 1u: { return floor(v * 255.0) / 255.0; }
    case 2u: { return clamp(v, 0.0, 1.0); }
    default: { return v; }
  }
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_blur_separable(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.w || g.y >= params.h) { return; }
  let base = g.z * params.w * params.h;
  let r = i32(params.radius);
  var acc = 0.0;
  // Taps inside the image skip the border fold (most pixels).
  if (params.axis == 0u) {
    if (i32(g.y) >= r && i32(g.y) + r < i32(params.h)) {
      let start = base + (g.y - params.radius) * params.w + g.x;
      for (var k = 0u; k <= 2u * params.radius; k++) { acc += w[k] * x[start + k * params.w]; }
    } else {
      for (var k = -r; k <= r; k++) {
        acc += w[u32(k + r)] * x[base + u32(fold(i32(g.y) + k, i32(params.h), params.mode)) * params.w + g.x];
      }
    }
  } else {
    let row = base + g.y * params.w;
    if (i32(g.x) >= r && i32(g.x) + r < i32(params.w)) {
      let start = row + g.x - params.radius;
      for (var k = 0u; k <= 2u * params.radius; k++) { acc += w[k] * x[start + k]; }
    } else {
      for (var k = -r; k <= r; k++) {
        acc += w[u32(k + r)] * x[row + u32(fold(i32(g.x) + k, i32(params.w), params.mode))];
      }
    }
  }
  y[base + g.y * params.w + g.x] = finish(acc);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_blur_conv2d(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.w || g.y >= params.h) { return; }
  let base = g.z * params.w * params.h;
  let r = i32(params.radius);
  let size = u32(2 * r + 1);
  let inside = i32(g.x) >= r && i32(g.x) + r < i32(params.w);
  var acc = 0.0;
  for (var a = -r; a <= r; a++) {
    let row = base + u32(fold(i32(g.y) + a, i32(params.h), params.mode)) * params.w;
    let krow = u32(a + r) * size;
    if (inside) {
      let start = row + g.x - params.radius;
      for (var b = 0u; b < size; b++) { acc += w[krow + b] * x[start + b]; }
    } else {
      for (var b = -r; b <= r; b++) {
        acc += w[krow + u32(b + r)] * x[row + u32(fold(i32(g.x) + b, i32(params.w), params.mode))];
      }
    }
  }
  y[base + g.y * params.w + g.x] = finish(acc);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_blur_motion(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.w || g.y >= params.h) { return; }
  let base = g.z * params.w * params.h;
  let first = (g.z / params.c) * params.taps;
  let hi = vec2<i32>(i32(params.w) - 1, i32(params.h) - 1);
  var acc = 0.0;
  for (var t = 0u; t < params.taps; t++) {
    let tap = taps[first + t];
    let s = clamp(vec2<i32>(g.xy) - vec2<i32>(tap.xy), vec2<i32>(0), hi);
    acc += tap.z * x[base + u32(s.y) * params.w + u32(s.x)];
  }
  y[base + g.y * params.w + g.x] = finish(acc);
}

// Bilinear sample of plane `base` at (row, column) coordinates, clamped to the crop's last row/column.
fn zoom_tap(base: u32, ry: vec4<f32>, rx: vec4<f32>, i: u32, j: u32) -> f32 {
  if (f32(i) >= ry.w || f32(j) >= rx.w) { return 0.0; }
  let sy = ry.x + f32(i) * ry.y;
  let sx = rx.x + f32(j) * rx.y;
  let y0 = floor(sy);
  let x0 = floor(sx);
  let fy = sy - y0;
  let fx = sx - x0;
  let r0 = base + u32(y0) * params.w;
  let r1 = base + u32(min(y0 + 1.0, ry.z)) * params.w;
  let c0 = u32(x0);
  let c1 = u32(min(x0 + 1.0, rx.z));
  let top = x[r0 + c0] + fx * (x[r0 + c1] - x[r0 + c0]);
  let bottom = x[r1 + c0] + fx * (x[r1 + c1] - x[r1 + c0]);
  return top + fy * (bottom - top);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_blur_zoom(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= params.w || g.y >= params.h) { return; }
  let base = g.z * params.w * params.h;
  let i = base + g.y * params.w + g.x;
  var acc = x[i];
  for (var z = 0u; z < params.taps; z++) {
    acc += zoom_tap(base, taps[2u * z], taps[2u * z + 1u], g.y, g.x);
  }
  y[i] = clamp(acc / f32(params.taps + 1u), 0.0, 1.0);
}

@compute @workgroup_size(WG)
fn corrupt_blur_glass(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = glass;
  if (g.x >= p.n * p.c) { return; }
  let key = image_key(p.seed, p.tag, p.first + g.x / p.c);
  let hw = p.w * p.h;
  let base = g.x * hw;
  let d = i32(p.delta);
  let span = 2u * p.delta;
  for (var it = 0u; it < p.iters; it++) {
    for (var h = i32(p.h) - d; h > d; h--) {
      for (var col = i32(p.w) - d; col > d; col--) {
        let r = rand_u32x2(key, (it * p.h + u32(h)) * p.w + u32(col));
        let dx = i32(((r.x >> 8u) * span) >> 24u) - d;
        let dy = i32(((r.y >> 8u) * span) >> 24u) - d;
        let here = base + u32(h) * p.w + u32(col);
        let there = base + u32(h + dy) * p.w + u32(col + dx);
        let v = y[here];
        y[here] = y[there];
        if (p.c == 1u) { y[there] = v; }
      }
    }
  }
}
