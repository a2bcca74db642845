// JPEG compression round trip (baseline JFIF as libjpeg/PIL write it), on images [N, C, H, W] in [0, 1].
//
//   corrupt_jpeg_blocks: one thread per 8×8 block of plane k of image n. Samples are 8-bit: RGB = round(255·x);
//                        colour images use YCbCr (libjpeg's fixed point) with Cb, Cr downsampled 2×2 (4:2:0, libjpeg's
//                        (sum + 1|2) >> 2 with the bias alternating by column); gray images have the Y plane only.
//                        Blocks past the edge see libjpeg's padding (see `sample`). Level shift −128, orthonormal 8×8
//                        DCT-II, Q = round-half-away(F / q) with the quality-scaled table (tables [2·64], natural
//                        order: luminance, chrominance), F' = Q·q, inverse DCT, +128, rounded half up (on a 1/8
//                        grid, as libjpeg's descaling) and clamped to 0…255, written to planes[n, k] (chroma
//                        planes use their top-left ⌈H/2⌉ × ⌈W/2⌉).
//   corrupt_jpeg_decode: per pixel: Y, and for colour libjpeg's "fancy" (triangle) upsampling of Cb, Cr:
//                        (3·a + b + 8|7) >> 4 where a, b are the 3:1 vertical mixes of the nearer and the farther
//                        chroma column; then YCbCr → RGB (libjpeg's fixed point), clamped, / 255.
//   corrupt_jpeg_blocks_int: the canonical twin of corrupt_jpeg_blocks with libjpeg's integer DCTs, which PIL
//                        uses by default (JDCT_ISLOW): jfdctint.c's forward transform (13-bit constants, 2 bits
//                        kept between passes, output scaled by 8), jcdctmgr.c's quantiser (|F| + 4q) / 8q with the
//                        sign restored, F' = Q·q, jidctint.c's inverse and jdmaster.c's range limit. Bit-exact with
//                        PIL 9.4 on libjpeg-turbo 2.1 (test/corrupt-canonical.test.ts).
// The float DCT differs from libjpeg's integer one: whole blocks can move by a few grey levels.
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

// Sample (r, c) of plane k as libjpeg pads it: columns past the edge replicate the full-resolution image
// (jcsample.c expand_right_edge), rows past the last chroma row replicate that downsampled row (jcprepct.c pads the
// bottom after downsampling).
fn sample(base: u32, k: u32, r0: u32, c: u32) -> f32 {
  if (k == 0u) { return ycc(rgb8(base, r0, c), 0u); }
  let r = min(r0, (params.h + 1u) / 2u - 1u);
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

// 13-bit fixed-point LLM constants of jfdctint.c / jidctint.c.
const C0298 = 2446; const C0390 = 3196; const C0541 = 4433; const C0765 = 6270; const C0899 = 7373;
const C1175 = 9633; const C1501 = 12299; const C1847 = 15137; const C1961 = 16069; const C2053 = 16819;
const C2562 = 20995; const C3072 = 25172;

fn descale(v: i32, n: u32) -> i32 { return (v + (1 << (n - 1u))) >> n; }

// The odd half of both transforms: rotated sums of (a0, a1, a2, a3) before descaling.
fn odd_part(a0: i32, a1: i32, a2: i32, a3: i32) -> vec4<i32> {
  let z5 = (a0 + a2 + a1 + a3) * C1175;
  let z1 = -(a0 + a3) * C0899;
  let z2 = -(a1 + a2) * C2562;
  let z3 = -(a0 + a2) * C1961 + z5;
  let z4 = -(a1 + a3) * C0390 + z5;
  return vec4<i32>(a0 * C0298 + z1 + z3, a1 * C2053 + z2 + z4, a2 * C3072 + z2 + z3, a3 * C1501 + z1 + z4);
}

// jfdctint.c on d[o + k·stride]: the first pass (rows) keeps 2 extra bits, the second (columns) removes them.
fn fdct8(d: ptr<function, array<i32, 64>>, o: u32, stride: u32, second: bool) {
  var v: array<i32, 8>;
  for (var k = 0u; k < 8u; k++) { v[k] = (*d)[o + k * stride]; }
  let t0 = v[0] + v[7]; let t7 = v[0] - v[7]; let t1 = v[1] + v[6]; let t6 = v[1] - v[6];
  let t2 = v[2] + v[5]; let t5 = v[2] - v[5]; let t3 = v[3] + v[4]; let t4 = v[3] - v[4];
  let t10 = t0 + t3; let t13 = t0 - t3; let t11 = t1 + t2; let t12 = t1 - t2;
  let sh = select(15u, 11u, !second);
  let z1 = (t12 + t13) * C0541;
  let odd = odd_part(t4, t5, t6, t7);
  (*d)[o] = select(descale(t10 + t11, 2u), (t10 + t11) << 2u, !second);
  (*d)[o + 4u * stride] = select(descale(t10 - t11, 2u), (t10 - t11) << 2u, !second);
  (*d)[o + 2u * stride] = descale(z1 + t13 * C0765, sh);
  (*d)[o + 6u * stride] = descale(z1 - t12 * C1847, sh);
  (*d)[o + 7u * stride] = descale(odd.x, sh);
  (*d)[o + 5u * stride] = descale(odd.y, sh);
  (*d)[o + 3u * stride] = descale(odd.z, sh);
  (*d)[o + stride] = descale(odd.w, sh);
}

// jidctint.c on d[o + k·stride]: the first pass (columns) descales by 11 bits, the second (rows) by 18.
fn idct8(d: ptr<function, array<i32, 64>>, o: u32, stride: u32, second: bool) {
  var v: array<i32, 8>;
  for (var k = 0u; k < 8u; k++) { v[k] = (*d)[o + k * stride]; }
  let z1 = (v[2] + v[6]) * C0541;
  let t2 = z1 - v[6] * C1847;
  let t3 = z1 + v[2] * C0765;
  let t0 = (v[0] + v[4]) << 13u;
  let t1 = (v[0] - v[4]) << 13u;
  let t10 = t0 + t3; let t13 = t0 - t3; let t11 = t1 + t2; let t12 = t1 - t2;
  let odd = odd_part(v[7], v[5], v[3], v[1]);
  let sh = select(18u, 11u, !second);
  (*d)[o] = descale(t10 + odd.w, sh);
  (*d)[o + 7u * stride] = descale(t10 - odd.w, sh);
  (*d)[o + stride] = descale(t11 + odd.z, sh);
  (*d)[o + 6u * stride] = descale(t11 - odd.z, sh);
  (*d)[o + 2u * stride] = descale(t12 + odd.y, sh);
  (*d)[o + 5u * stride] = descale(t12 - odd.y, sh);
  (*d)[o + 3u * stride] = descale(t13 + odd.x, sh);
  (*d)[o + 4u * stride] = descale(t13 - odd.x, sh);
}

// jdmaster.c's post-IDCT range limit: x + 128 clamped to 0…255, indices wrapping mod 1024 as libjpeg's table does.
fn range_limit(x: i32) -> f32 {
  let m = x & 1023;
  if (m < 128) { return f32(m + 128); }
  if (m < 384) { return 255.0; }
  if (m < 896) { return 0.0; }
  return f32(m - 896);
}

@compute @workgroup_size(TILE, TILE, 1)
fn corrupt_jpeg_blocks_int(@builtin(global_invocation_id) g: vec3<u32>) {
  let p = params;
  let n = g.z / p.planes;
  let k = g.z % p.planes;
  let ph = select(p.h, (p.h + 1u) / 2u, k > 0u);
  let pw = select(p.w, (p.w + 1u) / 2u, k > 0u);
  if (g.x * 8u >= pw || g.y * 8u >= ph) { return; }
  let base = n * p.c * p.w * p.h;
  var d: array<i32, 64>;
  for (var i = 0u; i < 8u; i++) {
    for (var j = 0u; j < 8u; j++) { d[i * 8u + j] = i32(sample(base, k, g.y * 8u + i, g.x * 8u + j)) - 128; }
  }
  for (var r = 0u; r < 8u; r++) { fdct8(&d, 8u * r, 1u, false); }
  for (var c = 0u; c < 8u; c++) { fdct8(&d, c, 8u, true); }
  let q0 = select(0u, 64u, k > 0u);
  for (var i = 0u; i < 64u; i++) {
    let q = i32(tables[q0 + i]);
    let mag = (abs(d[i]) + 4 * q) / (8 * q);
    d[i] = select(mag, -mag, d[i] < 0) * q;
  }
  for (var c = 0u; c < 8u; c++) { idct8(&d, c, 8u, false); }
  for (var r = 0u; r < 8u; r++) { idct8(&d, 8u * r, 1u, true); }
  let out = g.z * p.w * p.h;
  for (var i = 0u; i < 8u; i++) {
    let r = g.y * 8u + i;
    if (r >= ph) { break; }
    for (var j = 0u; j < 8u; j++) {
      let c = g.x * 8u + j;
      if (c >= pw) { break; }
      planes[out + r * p.w + c] = range_limit(d[i * 8u + j]);
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
