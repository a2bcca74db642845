// Complex numbers as vec2<f32> = (re, im), the same layout as an interleaved tensor's last dim of 2.
// Sums and real scalings are plain vec2 arithmetic; only the products need helpers.

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

// a · (d·i) for d = ±1: the quarter turn of a radix-4 butterfly, without a multiply by a twiddle.
fn cmul_i(a: vec2<f32>, d: f32) -> vec2<f32> {
  return vec2<f32>(-d * a.y, d * a.x);
}

// z / |z|. A zero has no phase; it gets phase 0 so downstream products stay finite.
fn cunit(z: vec2<f32>) -> vec2<f32> {
  let r = length(z);
  return select(vec2<f32>(1.0, 0.0), z / r, r > 0.0);
}
