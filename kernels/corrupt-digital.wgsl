// Digital corruptions (imagecorruptions semantics) on images [N, C, H, W] in [0, 1].
//
//   corrupt_digital_hsv:      skimage rgb2hsv → V' = clip(V + c0) (mode 0, brightness) or S' = clip(S·c0 + c1)
//                             (mode 1, saturate) → hsv2rgb, clipped. Gray images (C = 1): brightness is
//                             clip(x + c0); saturate leaves them unchanged (the original's hue-0 round trip
//                             returns channel R = V for any S).
//   corrupt_digital_contrast: y = clip((x − μ)·c0 + μ), μ = mean over H, W per image and channel (means [N·C]).
//   corrupt_digital_affine:   cv2.warpAffine, bilinear, reflect-101: y(p) = x(A_n·(j, i, 1)) with A_n the inverse
//                             affine map of image n (affine [N] as two vec4: row 0, row 1); source coordinates
//                             rounded to 1/32 pixel as OpenCV's fixed-point remap does.
//   corrupt_digital_elastic:  scipy map_coordinates(order 1, mode 'reflect'): y[i, j] = x(i + α·dy[i, j],
//                             j + α·dx[i, j]) bilinear over the symmetric extension; dx, dy are [N, H, W].
//   corrupt_digital_pixelate: PIL resize to h × w with BOX, back to H × W with NEAREST, in float: output (i, j) is
//                             the mean over the BOX window of its NEAREST low-res pixel (windows and indices from
//                             Pillow's own arithmetic, the table in dx: src/corrupt/pil.ts pixelateTable).
//   corrupt_digital_pixelate_u8: the canonical pixelate on 8-bit samples round(255·x), as Pillow does it: BOX
//                             reduction in two passes (horizontal, uint8, then vertical) with 22-bit fixed-point
//                             weights, clip8((Σ v·k + 2²¹) >> 22), then NEAREST back; all indices and weights come
//                             from the table in dx (src/corrupt/pil.ts pixelateTable).
//   corrupt_digital_quantize: numpy's uint8 steps: mode 0 y = round(255·x)/255 (the uint8 input), mode 1
//                             y = ⌊255·x + 2⁻¹²⌋/255 (np.uint8 truncation of the float result; the 2⁻¹² keeps values
//                             that are integers up to f32 rounding on their integer).
//   corrupt_digital_channels: gray ↔ RGB around the canonical pipeline: C = 1 input → 3 equal channels (what
//                             imagecorruptions does to a 2-D image); C = 3 input → one luma channel, mode 0
//                             0.299·R + 0.587·G + 0.114·B, mode 1 PIL's convert('L') on 8-bit samples,
//                             (19595·R + 38470·G + 7471·B + 2¹⁵) >> 16.
//
// Bindings: x (read), aux (read: two vec4 affine rows per image), dx (read: the x displacement, or the means
// for contrast), dy (read), y (read_write), params (uniform).
// Grid: (ceil(W / TILE), ceil(H / TILE), N) — per pixel, all channels in one thread — except contrast, whose z
// runs over the N·C planes. Overrides: TILE.
//! import "lib/corrupt.wgsl"

struct DigitalParams { w: u32, h: u32, c: u32, mode: u32, lw: u32, lh: u32, c0: f32, c1: f32 }

override TILE: u32 = 8;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> aux: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dx: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> params: DigitalParams;

fn rgb_to_hsv(c: vec3<f32>) -> vec3<f32> {
  let v = max(c.r, max(c.g, c.b));
  let delta = v - min(c.r, min(c.g, c.b));
  if (delta == 0.0) { return vec3<f32>(0.0, 0.0, v); }
  // skimage's order of assignments: blue wins ties over green, green over red.
  var h = (c.g - c.b) / delta;
  if (c.g == v) { h = 2.0 + (c.b - c.r) / delta; }
  if (c.b == v) { h = 4.0 + (c.r - c.g) / delta; }
  h = h / 6.0;
  return vec3<f32>(h - floor(h), delta / v, v);
}

fn hsv_to_rgb(hsv: vec3<f32>) -> vec3<f32> {
  let hi = floor(hsv.x * 6.0);
  let f = hsv.x * 6.0 - hi;
  let v = hsv.z;
  let p = v * (1.0 - hsv.y);
  let q = v * (1.0 - f * hsv.y);
  let t = v * (1.0 - (1.0 - f) * hsv.y);
  switch u32(hi) % 6u {
    case 0u: { return vec3<f32>(v, t, p); }
    case 1u: { return vec3<f32>(q, v, p); }
    case 2u: { return vec3<f32>(p, v, t); }
    case 3u: { return vec3<f32>(p, q, v); }
    case 4u: { return vec3<f32>(t, p, v); }
    default: { return vec3<f32>(v, p, q); }
  }
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_digital_hsv(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let i = g.z * p.c * hw + g.y * p.w + g.x;
  if (p.c == 1u) {
    y[i] = select(x[i], clamp(x[i] + p.c0, 0.0, 1.0), p.mode == 0u);
    return;
  }
  var hsv = rgb_to_hsv(vec3<f32>(x[i], x[i + hw], x[i + 2u * hw]));
  if (p.mode == 0u) { hsv.z = clamp(hsv.z + p.c0, 0.0, 1.0); } else { hsv.y = clamp(hsv.y * p.c0 + p.c1, 0.0, 1.0); }
  let rgb = clamp(hsv_to_rgb(hsv), vec3<f32>(0.0), vec3<f32>(1.0));
  y[i] = rgb.r;
  y[i + hw] = rgb.g;
  y[i + 2u * hw] = rgb.b;
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_digital_contrast(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let i = (g.z * p.h + g.y) * p.w + g.x;
  let mu = dx[g.z];
  y[i] = clamp((x[i] - mu) * p.c0 + mu, 0.0, 1.0);
}

// Bilinear sample of plane `base` at integer cell (r, c) plus fraction (fy, fx), indices folded by `mode`.
fn bilinear(base: u32, r: i32, c: i32, fy: f32, fx: f32, mode: u32) -> f32 {
  let h = i32(params.h);
  let w = i32(params.w);
  let r0 = base + u32(fold(r, h, mode)) * params.w;
  let r1 = base + u32(fold(r + 1, h, mode)) * params.w;
  let c0 = u32(fold(c, w, mode));
  let c1 = u32(fold(c + 1, w, mode));
  let top = x[r0 + c0] + fx * (x[r0 + c1] - x[r0 + c0]);
  let bottom = x[r1 + c0] + fx * (x[r1 + c1] - x[r1 + c0]);
  return top + fy * (bottom - top);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_digital_affine(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let a0 = aux[2u * g.z];
  let a1 = aux[2u * g.z + 1u];
  let q = vec3<f32>(f32(g.x), f32(g.y), 1.0);
  let sx = i32(floor(32.0 * dot(a0.xyz, q) + 0.5));
  let sy = i32(floor(32.0 * dot(a1.xyz, q) + 0.5));
  let fx = f32(sx & 31) / 32.0;
  let fy = f32(sy & 31) / 32.0;
  for (var ch = 0u; ch < p.c; ch++) {
    let base = (g.z * p.c + ch) * hw;
    y[base + g.y * p.w + g.x] = bilinear(base, sy >> 5u, sx >> 5u, fy, fx, 2u);
  }
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_digital_elastic(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let k = g.z * hw + g.y * p.w + g.x;
  let sy = f32(g.y) + p.c0 * dy[k];
  let sx = f32(g.x) + p.c0 * dx[k];
  let r = floor(sy);
  let c = floor(sx);
  for (var ch = 0u; ch < p.c; ch++) {
    let base = (g.z * p.c + ch) * hw;
    y[base + g.y * p.w + g.x] = clamp(bilinear(base, i32(r), i32(c), sy - r, sx - c, 1u), 0.0, 1.0);
  }
}

fn table_u32(i: u32) -> u32 { return u32(dx[i]); }

fn clip8(v: i32) -> i32 { return clamp(v >> 22u, 0, 255); }

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_digital_pixelate_u8(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let kh = table_u32(0u);
  let kv = table_u32(1u);
  let hoff = 2u + p.w + p.h + table_u32(2u + g.x) * (2u + kh);
  let voff = 2u + p.w + p.h + p.lw * (2u + kh) + table_u32(2u + p.w + g.y) * (2u + kv);
  let x0 = table_u32(hoff);
  let xn = table_u32(hoff + 1u);
  let y0 = table_u32(voff);
  let yn = table_u32(voff + 1u);
  for (var ch = 0u; ch < p.c; ch++) {
    let base = (g.z * p.c + ch) * hw;
    var acc = 1 << 21u;
    for (var r = 0u; r < yn; r++) {
      var s = 1 << 21u;
      for (var c = 0u; c < xn; c++) {
        let v = i32(round(255.0 * clamp(x[base + (y0 + r) * p.w + x0 + c], 0.0, 1.0)));
        s += v * i32(dx[hoff + 2u + c]);
      }
      acc += clip8(s) * i32(dx[voff + 2u + r]);
    }
    y[base + g.y * p.w + g.x] = f32(clip8(acc)) / 255.0;
  }
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_digital_quantize(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  for (var ch = 0u; ch < p.c; ch++) {
    let i = (g.z * p.c + ch) * hw + g.y * p.w + g.x;
    let v = 255.0 * clamp(x[i], 0.0, 1.0);
    y[i] = select(floor(v + 1.0 / 4096.0), round(v), p.mode == 0u) / 255.0;
  }
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_digital_channels(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let i = g.y * p.w + g.x;
  if (p.c == 1u) {
    for (var ch = 0u; ch < 3u; ch++) { y[(g.z * 3u + ch) * hw + i] = x[g.z * hw + i]; }
    return;
  }
  let o = g.z * 3u * hw + i;
  let rgb = clamp(vec3<f32>(x[o], x[o + hw], x[o + 2u * hw]), vec3<f32>(0.0), vec3<f32>(1.0));
  if (p.mode == 0u) {
    y[g.z * hw + i] = dot(rgb, vec3<f32>(0.299, 0.587, 0.114));
    return;
  }
  let v = vec3<i32>(round(255.0 * rgb));
  y[g.z * hw + i] = f32((dot(v, vec3<i32>(19595, 38470, 7471)) + 32768) >> 16u) / 255.0;
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_digital_pixelate(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let kh = table_u32(0u);
  let kv = table_u32(1u);
  let hoff = 2u + p.w + p.h + table_u32(2u + g.x) * (2u + kh);
  let voff = 2u + p.w + p.h + p.lw * (2u + kh) + table_u32(2u + p.w + g.y) * (2u + kv);
  let x0 = table_u32(hoff);
  let xn = table_u32(hoff + 1u);
  let y0 = table_u32(voff);
  let yn = table_u32(voff + 1u);
  for (var ch = 0u; ch < p.c; ch++) {
    let base = (g.z * p.c + ch) * hw;
    var acc = 0.0;
    var count = 0.0;
    for (var r = 0u; r < yn; r++) {
      for (var c = 0u; c < xn; c++) {
        // Pillow's window can end in zero-weight samples: count only the weighted ones.
        if (dx[hoff + 2u + c] > 0.0 && dx[voff + 2u + r] > 0.0) {
          acc += x[base + (y0 + r) * p.w + x0 + c];
          count += 1.0;
        }
      }
    }
    y[base + g.y * p.w + g.x] = acc / count;
  }
}
