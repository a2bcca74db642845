// Shared helpers of the corrupt-* kernels (image corruptions): per-image random keys and border folding.
//! import "lib/random.wgsl"

// Stream key of image `index` of a corruption call: a result depends on (seed, tag, image index) only, never on
// the batch the image is in. `tag` packs corruption, severity and sub-stream (src/ops/corrupt-noise.ts).
fn image_key(seed: u32, tag: u32, index: u32) -> vec2<u32> {
  return pcg3d(vec3<u32>(index, seed, tag)).xy;
}

// Draw `round` at counter `ctr`: round 0 equals rand_u32x2; later rounds feed rejection loops.
fn draw(key: vec2<u32>, ctr: u32, round: u32) -> vec2<u32> {
  return pcg3d(vec3<u32>(ctr, key.x + round * 0x9e3779b9u, key.y)).xy;
}

// Index i of an axis of length n under border mode 0 edge (aaa|abcd|ddd), 1 symmetric (scipy 'reflect':
// ba|abcd|dc) or 2 reflect-101 (OpenCV's default: cb|abcd|cb). Folds any distance, like scipy and OpenCV.
fn fold(i: i32, n: i32, mode: u32) -> i32 {
  if (i >= 0 && i < n) { return i; }
  if (mode == 0u || n == 1) { return clamp(i, 0, n - 1); }
  if (mode == 1u) {
    let p = 2 * n;
    var m = i % p;
    if (m < 0) { m += p; }
    return select(m, p - 1 - m, m >= n);
  }
  let p = 2 * n - 2;
  var m = i % p;
  if (m < 0) { m += p; }
  return select(m, p - m, m >= n);
}
