// Per-element noise corruptions (ImageNet-C as coded in imagecorruptions) on images [N, C, H, W] in [0, 1]:
//
//   corrupt_noise_gaussian: y = clip(x + c·Z)
//   corrupt_noise_speckle:  y = clip(x + x·c·Z)
//   corrupt_noise_shot:     y = clip(Poisson(x·c) / c)   Poisson as numpy draws it: multiplication method below
//                           λ = 10, PTRS transformed rejection (Hörmann 1993) from 10 up; draws of later tries
//                           use later rounds of the counter (lib/corrupt.wgsl `draw`)
//   corrupt_noise_impulse:  y = U₁ < c ? (U₂ < ½ ? 1 : 0) : x   (skimage random_noise 's&p', salt:pepper 1:1)
//   corrupt_noise_field:    y = shift + scale·(kind 0: Z, kind 1: U[−1, 1))   (random fields for spatter/elastic)
//
// Z standard normal by Box–Muller (lib/random.wgsl). Image n uses key image_key(seed, tag, first + n); element i
// of the image uses counter i. Mirrored by src/ref/corrupt-noise.ts.
// Bindings: x (read), y (read_write), params (uniform).
// Grid: (ceil(per_image / WG), N). Overrides: WG.
//! import "lib/corrupt.wgsl"

struct NoiseParams {
  per_image: u32, first: u32, seed: u32, tag: u32,
  c: f32, shift: f32, kind: u32, _pad: u32,
}

override WG: u32 = 256;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: NoiseParams;

struct Site { i: u32, key: vec2<u32>, ctr: u32 }

fn site(gid: vec3<u32>) -> Site {
  return Site(gid.y * params.per_image + gid.x, image_key(params.seed, params.tag, params.first + gid.y), gid.x);
}

// log Γ(x) for x ≥ 1 by numpy's series (random_loggam).
fn loggam(x: f32) -> f32 {
  if (x == 1.0 || x == 2.0) { return 0.0; }
  let a = array<f32, 10>(8.333333333333333e-02, -2.777777777777778e-03, 7.936507936507937e-04,
    -5.952380952380952e-04, 8.417508417508418e-04, -1.917526917526918e-03, 6.410256410256410e-03,
    -2.955065359477124e-02, 1.796443723688307e-01, -1.39243221690590e+00);
  var n = 0.0;
  if (x < 7.0) { n = floor(7.0 - x); }
  var x0 = x + n;
  let x2 = 1.0 / (x0 * x0);
  var gl0 = a[9];
  for (var k = 8; k >= 0; k--) { gl0 = gl0 * x2 + a[k]; }
  var gl = gl0 / x0 + 0.9189385332046727 + (x0 - 0.5) * log(x0) - x0;
  for (var k = 0.0; k < n; k += 1.0) {
    gl -= log(x0 - 1.0);
    x0 -= 1.0;
  }
  return gl;
}

const MAX_ROUNDS: u32 = 64u;

fn poisson(lam: f32, key: vec2<u32>, ctr: u32) -> f32 {
  if (lam <= 0.0) { return 0.0; }
  if (lam < 10.0) {
    let enlam = exp(-lam);
    var prod = 1.0;
    var k = 0.0;
    for (var r = 0u; r < MAX_ROUNDS; r++) {
      let h = draw(key, ctr, r);
      prod *= u32_to_unit(h.x);
      if (prod <= enlam) { return k; }
      k += 1.0;
      prod *= u32_to_unit(h.y);
      if (prod <= enlam) { return k; }
      k += 1.0;
    }
    return k;
  }
  let slam = sqrt(lam);
  let loglam = log(lam);
  let b = 0.931 + 2.53 * slam;
  let a = -0.059 + 0.02483 * b;
  let invalpha = 1.1239 + 1.1328 / (b - 3.4);
  let vr = 0.9277 - 3.6224 / (b - 2.0);
  for (var r = 0u; r < MAX_ROUNDS; r++) {
    let h = draw(key, ctr, r);
    let u = u32_to_unit(h.x) - 0.5;
    let v = u32_to_unit(h.y);
    let us = 0.5 - abs(u);
    if (us <= 0.0) { continue; }
    let k = floor((2.0 * a / us + b) * u + lam + 0.43);
    if (us >= 0.07 && v <= vr) { return k; }
    if (k < 0.0 || (us < 0.013 && v > us)) { continue; }
    if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lam + k * loglam - loggam(k + 1.0)) { return k; }
  }
  return floor(lam);
}

@compute @workgroup_size(WG)
fn corrupt_noise_gaussian(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.per_image) { return; }
  let s = site(gid);
  y[s.i] = clamp(x[s.i] + params.c * rand_normal(s.key, s.ctr), 0.0, 1.0);
}

@compute @workgroup_size(WG)
fn corrupt_noise_speckle(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.per_image) { return; }
  let s = site(gid);
  let v = x[s.i];
  y[s.i] = clamp(v + v * params.c * rand_normal(s.key, s.ctr), 0.0, 1.0);
}

@compute @workgroup_size(WG)
fn corrupt_noise_shot(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.per_image) { return; }
  let s = site(gid);
  y[s.i] = clamp(poisson(x[s.i] * params.c, s.key, s.ctr) / params.c, 0.0, 1.0);
}

@compute @workgroup_size(WG)
fn corrupt_noise_impulse(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.per_image) { return; }
  let s = site(gid);
  let h = rand_u32x2(s.key, s.ctr);
  let salt = select(0.0, 1.0, u32_to_unit(h.y) < 0.5);
  y[s.i] = select(x[s.i], salt, u32_to_unit(h.x) < params.c);
}

@compute @workgroup_size(WG)
fn corrupt_noise_field(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= params.per_image) { return; }
  let s = site(gid);
  let z = select(rand_normal(s.key, s.ctr), 2.0 * rand_uniform(s.key, s.ctr) - 1.0, params.kind == 1u);
  y[s.i] = params.shift + params.c * z;
}
