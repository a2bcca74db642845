// JPEG compression round trip (baseline JFIF as libjpeg/PIL write it), on images [N, C, H, W] in [0, 1].
//
//   corrupt_jpeg_blocks: one thread per 8×8 block of plane k of image n. Samples are 8-bit: RGB = round(255·x);
//                        colour images use YCbCr (libjpeg's fixed point) with Cb, Cr downsampled 2×2 (4:2:0, libjpeg's
//                        (sum + 1|2) >> 2 with the bias alternating by column); gray images have the Y plane only.
//                        Blocks past the edge see edge-replicated samples. Level shift −128, orthonormal 8×8
//                        DCT-II, Q = round-half-away(F / q) with the quality-scaled table (tables [2·64], natural
//                        order: luminance, chrominance), F' = Q·q, inverse DCT, +128, rounded half up (on a 1/8
//                        grid, as libjpeg's descaling) and clamped to 0…255, written to planes[n, k] (chroma
//                        planes use their top-left ⌈H/2⌉ × ⌈W/2⌉).
//   corrupt_jpeg_decode: per pixel: Y, and for colour libjpeg's "fancy" (triangle) upsampling of Cb, Cr:
//                        (3·a + b + 8|7) >> 4 where a, b are the 3:1 vertical mixes of the nearer and the farther
//                        chroma column; then YCbCr → RGB (libjpeg's fixed point), clamped, / 255.
// Float DCT instead of libjpeg's integer one: values can differ from PIL's by a grey level or so.
//
// Bindings: x (read), tables (read), planes (read_write in blocks, read in decode), y (read_write),
// params (uniform). Grid: blocks (ceil(⌈W/8⌉ / TILE), ceil(⌈H/8⌉ / TILE), N·P) with P planes per image;
// decode (ceil(W / TILE), ceil(H / TILE), N). Overrides: TILE.

struct JpegParams { w: u32, h: u32, c: u32, planes: u32 }

override TILE: u32 = 8;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> tables: array<f32>;
@group(0) @binding(2) var<storage, read_write> planes: array<f32>;
@group(0) @binding(3) var<storage, read> recon: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<uniform> params: JpegParams;

// COS[u·8 + i] = c(u)/2 · cos((2i + 1)·u·π/16), c(0) = 1/√2, else 1: F = COS·S·COSᵀ, S = COSᵀ·F·COS.
const COS = array<f32, 64>(
  0.35355339, 0.35355339, 0.35355339, 0.35355339, 0.35355339, 0.35355339, 0.35355339, 0.35355339,
  0.49039264, 0.41573481, 0.27778512, 0.09754516, -0.09754516, -0.27778512, -0.41573481, -0.49039264,
  0.46193977, 0.19134172, -0.19134172, -0.46193977, -0.46193977, -0.19134172, 0.19134172, 0.46193977,
  0.41573481, -0.09754516, -0.49039264, -0.27778512, 0.27778512, 0.49039264, 0.09754516, -0.41573481,
  0.35355339, -0.35355339, -0.35355339, 0.35355339, 0.35355339, -0.35355339, -0.35355339, 0.35355339,
  0.27778512, -0.49039264, 0.09754516, 0.41573481, -0.41573481, -0.09754516, 0.49039264, -0.27778512,
  0.19134172, -0.46193977, 0.46193977, -0.19134172, -0.19134172, 0.46193977, -0.46193977, 0.19134172,
  0.09754516, -0.27778512, 0.41573481, -0.49039264, 0.49039264, -0.41573481, 0.27778512, -0.09754516);

fn rgb8(base: u32, r: u32, c: u32) -> vec3<i32> {
  let hw = params.w * params.h;
  let i = base + min(r, params.h - 1u) * params.w + min(c, params.w - 1u);
  if (params.c == 1u) { return vec3<i32>(i32(round(255.0 * clamp(x[i], 0.0, 1.0)))); }
  return vec3<i32>(round(255.0 * clamp(vec3<f32>(x[i], x[i + hw], x[i + 2u * hw]), vec3<f32>(0.0), vec3<f32>(1.0))));
}

// Component k (0 Y, 1 Cb, 2 Cr) of an 8-bit RGB pixel in libjpeg's 16-bit fixed point (jccolor.c), exactly.
fn ycc(rgb: vec3<i32>, k: u32) -> f32 {
  switch k {
    case 0u: { return f32((dot(rgb, vec3<i32>(19595, 38470, 7471)) + 32768) >> 16u); }
    case 1u: { return f32((dot(rgb, vec3<i32>(-11059, -21709, 32768)) + 8421375) >> 16u); }
    default: { return f32((dot(rgb, vec3<i32>(32768, -27439, -5329)) + 8421375) >> 16u); }
  }
}

fn sample(base: u32, k: u32, r: u32, c: u32) -> f32 {
  if (k == 0u) { return ycc(rgb8(base, r, c), 0u); }
  let s = ycc(rgb8(base, 2u * r, 2u * c), k) + ycc(rgb8(base, 2u * r, 2u * c + 1u), k)
    + ycc(rgb8(base, 2u * r + 1u, 2u * c), k) + ycc(rgb8(base, 2u * r + 1u, 2u * c + 1u), k);
  return floor((s + 1.0 + f32(c & 1u)) / 4.0);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_jpeg_blocks(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  let n = g.z / p.planes;
  let k = g.z % p.planes;
  let ph = select(p.h, (p.h + 1u) / 2u, k > 0u);
  let pw = select(p.w, (p.w + 1u) / 2u, k > 0u);
  if (g.x * 8u >= pw || g.y * 8u >= ph) { return; }
  let base = n * p.c * p.w * p.h;
  var s: array<f32, 64>;
  for (var i = 0u; i < 8u; i++) {
    for (var j = 0u; j < 8u; j++) { s[i * 8u + j] = sample(base, k, g.y * 8u + i, g.x * 8u + j) - 128.0; }
  }
  // Forward DCT: t = COS·S, F = t·COSᵀ; quantise and dequantise in place.
  var t: array<f32, 64>;
  for (var u = 0u; u < 8u; u++) {
    for (var j = 0u; j < 8u; j++) {
      var acc = 0.0;
      for (var i = 0u; i < 8u; i++) { acc += COS[u * 8u + i] * s[i * 8u + j]; }
      t[u * 8u + j] = acc;
    }
  }
  let q0 = select(0u, 64u, k > 0u);
  var total = 0.0;
  for (var i = 0u; i < 64u; i++) { total += s[i]; }
  for (var u = 0u; u < 8u; u++) {
    for (var v = 0u; v < 8u; v++) {
      var acc = 0.0;
      for (var j = 0u; j < 8u; j++) { acc += t[u * 8u + j] * COS[v * 8u + j]; }
      // F on libjpeg's 1/8 grid, DC exactly (Σ/8): flat rows and columns put coefficients exactly on half a
      // quantisation step, and those ties must round away from zero, not by float noise.
      acc = select(round(acc * 8.0) / 8.0, total / 8.0, u + v == 0u);
      let q = tables[q0 + u * 8u + v];
      s[u * 8u + v] = sign(acc) * floor(abs(acc) / q + 0.5) * q;
    }
  }
  // Inverse: t = COSᵀ·F, S = t·COS.
  for (var i = 0u; i < 8u; i++) {
    for (var v = 0u; v < 8u; v++) {
      var acc = 0.0;
      for (var u = 0u; u < 8u; u++) { acc += COS[u * 8u + i] * s[u * 8u + v]; }
      t[i * 8u + v] = acc;
    }
  }
  let out = g.z * p.w * p.h;
  for (var i = 0u; i < 8u; i++) {
    let r = g.y * 8u + i;
    if (r >= ph) { break; }
    for (var j = 0u; j < 8u; j++) {
      let c = g.x * 8u + j;
      if (c >= pw) { break; }
      var acc = 0.0;
      for (var v = 0u; v < 8u; v++) { acc += t[i * 8u + v] * COS[v * 8u + j]; }
      planes[out + r * p.w + c] = clamp(floor(round(acc * 8.0) / 8.0 + 128.5), 0.0, 255.0);
    }
  }
}

// Fancy-upsampled chroma plane `plane` at full-resolution pixel (i, j).
fn chroma(plane: u32, i: u32, j: u32) -> f32 {
  let hc = (params.h + 1u) / 2u;
  let wc = (params.w + 1u) / 2u;
  let cy = i / 2u;
  let ny = select(max(cy, 1u) - 1u, min(cy + 1u, hc - 1u), (i & 1u) == 1u);
  let cx = j / 2u;
  let nx = select(max(cx, 1u) - 1u, min(cx + 1u, wc - 1u), (j & 1u) == 1u);
  let near = 3.0 * recon[plane + cy * params.w + cx] + recon[plane + ny * params.w + cx];
  let far = 3.0 * recon[plane + cy * params.w + nx] + recon[plane + ny * params.w + nx];
  return floor((3.0 * near + far + select(8.0, 7.0, (j & 1u) == 1u)) / 16.0);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_jpeg_decode(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  if (g.x >= p.w || g.y >= p.h) { return; }
  let hw = p.w * p.h;
  let i = g.y * p.w + g.x;
  let yv = recon[g.z * p.planes * hw + i];
  let out = g.z * p.c * hw + i;
  if (p.c == 1u) {
    y[out] = yv / 255.0;
    return;
  }
  // libjpeg's jdcolor.c tables in 16-bit fixed point, exactly.
  let cb = i32(chroma((g.z * 3u + 1u) * hw, g.y, g.x)) - 128;
  let cr = i32(chroma((g.z * 3u + 2u) * hw, g.y, g.x)) - 128;
  let yi = i32(yv);
  let rgb = vec3<i32>(yi + ((91881 * cr + 32768) >> 16u), yi + ((-22554 * cb - 46802 * cr + 32768) >> 16u),
    yi + ((116130 * cb + 32768) >> 16u));
  let v = vec3<f32>(clamp(rgb, vec3<i32>(0), vec3<i32>(255))) / 255.0;
  y[out] = v.r;
  y[out + hw] = v.g;
  y[out + 2u * hw] = v.b;
}
