// Counter-based random numbers: the value for (key, counter) is a pure function, so results do not depend on
// dispatch order or thread count, and a run can be replayed from (seed, step). Hash: pcg3d (Jarzynski & Olano,
// "Hash Functions for GPU Rendering", JCGT 2020). Mirrored bit-exactly on the CPU by src/ref/random.ts.
fn pcg3d(v0: vec3<u32>) -> vec3<u32> {
  var v = v0 * 1664525u + 1013904223u;
  v.x += v.y * v.z; v.y += v.z * v.x; v.z += v.x * v.y;
  v ^= v >> vec3<u32>(16u);
  v.x += v.y * v.z; v.y += v.z * v.x; v.z += v.x * v.y;
  return v;
}

// Two independent 32-bit draws for stream `key` at position `ctr`.
fn rand_u32x2(key: vec2<u32>, ctr: u32) -> vec2<u32> {
  let h = pcg3d(vec3<u32>(ctr, key.x, key.y));
  return h.xy;
}

// Uniform in [0, 1) with 24 bits of mantissa.
fn u32_to_unit(u: u32) -> f32 {
  return f32(u >> 8u) * (1.0 / 16777216.0);
}

fn rand_uniform(key: vec2<u32>, ctr: u32) -> f32 {
  return u32_to_unit(rand_u32x2(key, ctr).x);
}

// Standard normal by Box–Muller from the two draws at `ctr` (1 − u keeps log's argument in (0, 1]).
fn rand_normal(key: vec2<u32>, ctr: u32) -> f32 {
  let h = rand_u32x2(key, ctr);
  let u1 = 1.0 - u32_to_unit(h.x);
  let u2 = u32_to_unit(h.y);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
