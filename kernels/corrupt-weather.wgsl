// Weather corruptions (snow, fog, frost) as imagecorruptions codes them, on images [N, C, H, W] in [0, 1].
//
//   corrupt_weather_snow_layer: L[n,i,j] = clip(v < t ? 0 : v), v = bilinear zoom of the field μ + s·Z over H×W
//                               at (top + i·scale) per axis (clipped_zoom: crop ⌈n/z⌉, scipy zoom, no trim);
//                               L is ZH×ZW. Z at pixel (a, b) of the field uses counter a·W + b.
//   corrupt_weather_snow_blend: S = round(255·L)/255 cropped to H×W; g = gray(x) (0.299, 0.587, 0.114; x for
//                               gray images); y = clip(b·x + (1 − b)·max(x, 1.5·g + ½) + S + rot180(S)).
//   corrupt_weather_plasma_squares / _diamonds: one level of diamond-square on the map M [N, m, m] (m a power of
//                               two), step s: centres (i·s + s/2, j·s + s/2) get the mean of their 4 corners,
//                               then the edge midpoints the mean of their 2 corners and 2 centres (indices wrap,
//                               as np.roll), each + wib·U(−wib, wib) with U from counter (row·m + column). The first
//                               level (s = m) also sets M[0, 0] = 0.
//   corrupt_weather_fog:        y = clip((x + a·(M − min M)/(max M − min M)) · xmax/(xmax + a)), M cropped [:H, :W];
//                               min/max per image over the whole map, xmax = max over the image.
//   corrupt_weather_frost:      y = clip(a·x + b·F) with F a procedural ice layer (NOT the ImageNet-C frost
//                               photographs, which cannot be shipped): ridged six-octave value noise keyed per
//                               image, tinted blue-white; gray images use F's luma (0.2989, 0.587, 0.114).
//   corrupt_weather_frost_photo: y = clip(a·x + b·F) with F = layer [N, 3, H, W], the crops of the original frost
//                               photographs (src/corrupt/frost-photos.ts); gray images use F's luma.
//
// Bindings: x, layer|map (read), pmin, pmax, xmax (read, [N]), map (read_write for plasma), y (read_write).
// Grid: (ceil(W / TILE), ceil(H / TILE), N) per pixel (layer: ZW × ZH; plasma: cells per side); x, y of the
// image kernels over pixels and z over images. Overrides: TILE.
//! import "lib/corrupt.wgsl"

struct WeatherParams {
  w: u32, h: u32, c: u32, zw: u32, zh: u32, first: u32, seed: u32, tag: u32,
  a: f32, b: f32, t: f32, s: f32,
  top_y: f32, top_x: f32, scale_y: f32, scale_x: f32,
}
struct PlasmaParams { m: u32, step: u32, first: u32, seed: u32, tag: u32, wibble: f32, _pad0: u32, _pad1: u32 }

override TILE: u32 = 8;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> layer: array<f32>;
@group(0) @binding(2) var<storage, read> pmin: array<f32>;
@group(0) @binding(3) var<storage, read> pmax: array<f32>;
@group(0) @binding(4) var<storage, read> xmax: array<f32>;
@group(0) @binding(5) var<storage, read_write> map: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
@group(0) @binding(7) var<uniform> params: WeatherParams;
@group(0) @binding(8) var<uniform> plasma: PlasmaParams;

fn field(key: vec2<u32>, i: u32, j: u32) -> f32 {
  return params.a + params.s * rand_normal(key, i * params.w + j);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_weather_snow_layer(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.zw || g.y >= p.zh) { return; }
  let key = image_key(p.seed, p.tag, p.first + g.z);
  let sy = p.top_y + f32(g.y) * p.scale_y;
  let sx = p.top_x + f32(g.x) * p.scale_x;
  let y0 = floor(sy);
  let x0 = floor(sx);
  let fy = sy - y0;
  let fx = sx - x0;
  let r0 = u32(y0);
  let c0 = u32(x0);
  let r1 = min(r0 + 1u, p.h - 1u);
  let c1 = min(c0 + 1u, p.w - 1u);
  let top = field(key, r0, c0) + fx * (field(key, r0, c1) - field(key, r0, c0));
  let bottom = field(key, r1, c0) + fx * (field(key, r1, c1) - field(key, r1, c0));
  let v = top + fy * (bottom - top);
  y[(g.z * p.zh + g.y) * p.zw + g.x] = clamp(select(v, 0.0, v < p.t), 0.0, 1.0);
}

fn gray_at(base: u32, hw: u32, i: u32) -> f32 {
  if (params.c == 1u) { return x[base + i]; }
  return 0.299 * x[base + i] + 0.587 * x[base + hw + i] + 0.114 * x[base + 2u * hw + i];
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_weather_snow_blend(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let base = g.z * p.c * hw;
  let i = g.y * p.w + g.x;
  let lbase = g.z * p.zh * p.zw;
  let s1 = round(255.0 * layer[lbase + g.y * p.zw + g.x]) / 255.0;
  let s2 = round(255.0 * layer[lbase + (p.h - 1u - g.y) * p.zw + (p.w - 1u - g.x)]) / 255.0;
  let lift = 1.5 * gray_at(base, hw, i) + 0.5;
  for (var ch = 0u; ch < p.c; ch++) {
    let v = x[base + ch * hw + i];
    y[base + ch * hw + i] = clamp(p.b * v + (1.0 - p.b) * max(v, lift) + s1 + s2, 0.0, 1.0);
  }
}

fn at(n: u32, i: u32, j: u32) -> f32 {
  let m = plasma.m;
  return map[(n * m + (i % m)) * m + (j % m)];
}

fn wibbled(key: vec2<u32>, i: u32, j: u32, sum: f32) -> f32 {
  let wib = plasma.wibble;
  return sum / 4.0 + wib * (-wib + 2.0 * wib * rand_uniform(key, i * plasma.m + j));
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_weather_plasma_squares(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = plasma;
  let cells = p.m / p.step;
  if (g.x >= cells || g.y >= cells) { return; }
  let key = image_key(p.seed, p.tag, p.first + g.z);
  let i = g.y * p.step;
  let j = g.x * p.step;
  let half = p.step / 2u;
  if (p.step == p.m) { map[g.z * p.m * p.m] = 0.0; }
  let corners = select(at(g.z, i, j) + at(g.z, i + p.step, j) + at(g.z, i, j + p.step) + at(g.z, i + p.step, j + p.step),
    0.0, p.step == p.m);
  map[(g.z * p.m + i + half) * p.m + j + half] = wibbled(key, i + half, j + half, corners);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_weather_plasma_diamonds(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = plasma;
  let cells = p.m / p.step;
  if (g.x >= cells || g.y >= cells) { return; }
  let key = image_key(p.seed, p.tag, p.first + g.z);
  let i = g.y * p.step;
  let j = g.x * p.step;
  let half = p.step / 2u;
  let n = g.z;
  // i − half wraps through + m (np.roll by 1 over the centre grid).
  let top = at(n, i + half, j + half) + at(n, i + p.m - half, j + half) + at(n, i, j) + at(n, i, j + p.step);
  let left = at(n, i + half, j + half) + at(n, i + half, j + p.m - half) + at(n, i, j) + at(n, i + p.step, j);
  map[(n * p.m + i) * p.m + j + half] = wibbled(key, i, j + half, top);
  map[(n * p.m + i + half) * p.m + j] = wibbled(key, i + half, j, left);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_weather_fog(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let base = g.z * p.c * hw;
  let i = g.y * p.w + g.x;
  let lo = pmin[g.z];
  let fogv = p.a * (layer[(g.z * p.zh + g.y) * p.zw + g.x] - lo) / (pmax[g.z] - lo);
  let gain = xmax[g.z] / (xmax[g.z] + p.a);
  for (var ch = 0u; ch < p.c; ch++) {
    y[base + ch * hw + i] = clamp((x[base + ch * hw + i] + fogv) * gain, 0.0, 1.0);
  }
}

// Smoothly interpolated lattice noise in [0, 1): lattice values hashed from (cell, octave, image key).
fn value_noise(key: vec2<u32>, py: f32, px: f32, octave: u32) -> f32 {
  let cy = floor(py);
  let cx = floor(px);
  let fy = py - cy;
  let fx = px - cx;
  let sy = fy * fy * (3.0 - 2.0 * fy);
  let sx = fx * fx * (3.0 - 2.0 * fx);
  let iy = u32(cy);
  let ix = u32(cx);
  let v00 = u32_to_unit(draw(key, iy * 4096u + ix, octave).x);
  let v01 = u32_to_unit(draw(key, iy * 4096u + ix + 1u, octave).x);
  let v10 = u32_to_unit(draw(key, (iy + 1u) * 4096u + ix, octave).x);
  let v11 = u32_to_unit(draw(key, (iy + 1u) * 4096u + ix + 1u, octave).x);
  let top = v00 + sx * (v01 - v00);
  return top + sy * (v10 + sx * (v11 - v10) - top);
}

// Ice intensity in [0, 1]: thin bright ridges (crystal edges, r⁸ of ridged noise) at six octaves over a patchy
// frosted haze, sized relative to the image.
fn ice(key: vec2<u32>, i: u32, j: u32) -> f32 {
  let cell = f32(max(params.w, params.h)) / 10.0;
  var ridges = 0.0;
  var norm = 0.0;
  var amp = 1.0;
  var freq = 1.0 / cell;
  for (var o = 0u; o < 6u; o++) {
    let v = value_noise(key, f32(i) * freq, f32(j) * freq, o + 1u);
    let r = 1.0 - abs(2.0 * v - 1.0);
    let r2 = r * r;
    ridges += amp * r2 * r2 * r2 * r2;
    norm += amp;
    amp *= 0.75;
    freq *= 2.0;
  }
  let cover = value_noise(key, f32(i) / (2.0 * cell), f32(j) / (2.0 * cell), 0u);
  return clamp(0.2 + 0.35 * cover + 2.2 * (ridges / norm) * (0.4 + 0.8 * cover), 0.0, 1.0);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_weather_frost(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let base = g.z * p.c * hw;
  let i = g.y * p.w + g.x;
  let v = ice(image_key(p.seed, p.tag, p.first + g.z), g.y, g.x);
  let tint = vec3<f32>(0.82, 0.91, 1.0) * v;
  if (p.c == 1u) {
    y[base + i] = clamp(p.a * x[base + i] + p.b * dot(tint, vec3<f32>(0.2989, 0.587, 0.114)), 0.0, 1.0);
    return;
  }
  for (var ch = 0u; ch < 3u; ch++) {
    y[base + ch * hw + i] = clamp(p.a * x[base + ch * hw + i] + p.b * tint[ch], 0.0, 1.0);
  }
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_weather_frost_photo(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let base = g.z * p.c * hw;
  let i = g.y * p.w + g.x;
  let f = g.z * 3u * hw + i;
  let photo = vec3<f32>(layer[f], layer[f + hw], layer[f + 2u * hw]);
  if (p.c == 1u) {
    y[base + i] = clamp(p.a * x[base + i] + p.b * dot(photo, vec3<f32>(0.2989, 0.587, 0.114)), 0.0, 1.0);
    return;
  }
  for (var ch = 0u; ch < 3u; ch++) {
    y[base + ch * hw + i] = clamp(p.a * x[base + ch * hw + i] + p.b * photo[ch], 0.0, 1.0);
  }
}
