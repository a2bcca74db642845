// 2-D FFT as Stockham autosort passes, real↔complex packing, and the per-frequency maps of phase
// randomisation and amplitude transfer. Complex element e of a tensor is (z[2e], z[2e+1]).
//
// fft_stockham_radix2 / fft_stockham_radix4: one pass of radix R (one dispatch per pass) along one axis of a
//   batch of lines. A line of length n = m·R has its elements at base + q·s: s = 1 along W, s = W along H, so
//   the H passes read columns through the stride and nothing is transposed. With n, m, s, p powers of two,
//   thread t ↦ c = t mod s, i = (t / s) mod m, b = t / (s·m) are masks and shifts; base = b·n·s + c.
//   p is the length of the sub-transforms finished by earlier passes (1, R, R², …) and k = i mod p:
//     v_r  = x[base + (i + r·m)·s] · ω^(r·k),   ω = exp(dir·2πi / (R·p)),   r < R
//     y[base + (R·(i − k) + k + q·p)·s] = scale · Σ_r v_r · exp(dir·2πi·r·q / R),   q < R
//   dir = −1 forward, +1 inverse. Twiddles come from tw[j] = exp(2πi·j / L), L = max(H, W), computed in f64 on
//   the host (WGSL only promises 2^−11 absolute error for sin/cos): ω^(r·k) = tw[(r·k) << tw_shift] with its
//   imaginary part times dir, where 2^tw_shift = L / (R·p).
//   real_in: x holds reals (imaginary parts 0; the first pass of rfft2). real_out: y gets only the real parts
//   (the last pass of a real-valued inverse). scale ≠ 1 only on the last pass (1 / (H·W) for the inverse).
//   Grid: ceil(n_threads / WG) folded to 2-D, n_threads = (complex elements) / R.
// fft_convert: y = scale·x between layouts: mode 0 complex → complex, 1 real → complex (im 0), 2 complex → real.
//   Grid: ceil(n / WG) folded to 2-D, n complex elements.
// fft_random_phasor: g = a unit phasor per frequency of a batch of H×W spectra s, Hermitian-symmetric so the
//   inverse FFT of |F|·g is real: bin (u, v) and its mirror (−u mod H, −v mod W) get conjugate phasors
//   exp(±iθ), θ = 2π·U − π with U = rand_uniform(key, slice·H·W + the smaller linear index of the pair).
//   Self-mirrored bins (u ∈ {0, H/2}, v ∈ {0, W/2}) must stay real: ±1 by the sign of cos θ; DC copies s, so
//   the image mean is kept. Grid: ceil(n / WG) folded to 2-D.
// fft_polar_forward: g = |s| · t/|t|, the amplitude of s with the phase of t (phase 0 where t = 0).
// fft_polar_backward: with a = |s|, u = t/|t|, m = Im(conj(dg)·u):
//   ds = Re(conj(dg)·u) · s/|s|  (0 where s = 0),   dt = (a·m/|t|) · (u.y, −u.x)  (0 where t = 0).
//   Grid: ceil(n / WG) folded to 2-D.
// Bindings (group 0): x, tw, s, t, dg (read); y, g, ds, dt (read_write); fp (FftParams, the passes),
//   pp (PointParams, the rest). Each entry point uses at most 5 storage buffers and one uniform.
// Overrides: WG (threads per workgroup).
//! import "lib/index.wgsl"
//! import "lib/complex.wgsl"
//! import "lib/random.wgsl"

struct FftParams {
  n_threads: u32, log2_s: u32, log2_m: u32, log2_p: u32,
  tw_shift: u32, real_in: u32, real_out: u32, dir: f32,
  scale: f32,
}

struct PointParams {
  n: u32, mode: u32, log2_h: u32, log2_w: u32,
  scale: f32, key0: u32, key1: u32,
}

override WG: u32 = 64;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> tw: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> s: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> t: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read> dg: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> g: array<vec2<f32>>;
@group(0) @binding(7) var<storage, read_write> ds: array<vec2<f32>>;
@group(0) @binding(8) var<storage, read_write> dt: array<vec2<f32>>;
@group(0) @binding(9) var<uniform> fp: FftParams;
@group(0) @binding(10) var<uniform> pp: PointParams;

fn load_c(e: u32) -> vec2<f32> {
  if (fp.real_in != 0u) { return vec2<f32>(x[e], 0.0); }
  return vec2<f32>(x[2u * e], x[2u * e + 1u]);
}

fn store_c(e: u32, v: vec2<f32>) {
  let z = v * fp.scale;
  if (fp.real_out != 0u) {
    y[e] = z.x;
    return;
  }
  y[2u * e] = z.x;
  y[2u * e + 1u] = z.y;
}

// ω^j for the current pass: tw holds exp(+2πi·j/L); the forward transform conjugates it.
fn twiddle(j: u32) -> vec2<f32> {
  let w = tw[j << fp.tw_shift];
  return vec2<f32>(w.x, fp.dir * w.y);
}

// The line base and position i of thread `tid` in a pass of `log2_r`.
struct Lane { base: u32, i: u32, k: u32, j: u32 }

fn lane(tid: u32, log2_r: u32) -> Lane {
  let c = tid & ((1u << fp.log2_s) - 1u);
  let i = (tid >> fp.log2_s) & ((1u << fp.log2_m) - 1u);
  let b = tid >> (fp.log2_s + fp.log2_m);
  let k = i & ((1u << fp.log2_p) - 1u);
  let base = (b << (fp.log2_m + log2_r + fp.log2_s)) + c;
  return Lane(base, i, k, ((i - k) << log2_r) + k);
}

@compute @workgroup_size(WG)
fn fft_stockham_radix2(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let tid = flat_id(gid, nwg, WG);
  if (tid >= fp.n_threads) { return; }
  let l = lane(tid, 1u);
  let ls = fp.log2_s;
  let m = 1u << fp.log2_m;
  let p = 1u << fp.log2_p;
  let x0 = load_c(l.base + (l.i << ls));
  let x1 = cmul(load_c(l.base + ((l.i + m) << ls)), twiddle(l.k));
  store_c(l.base + (l.j << ls), x0 + x1);
  store_c(l.base + ((l.j + p) << ls), x0 - x1);
}

@compute @workgroup_size(WG)
fn fft_stockham_radix4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let tid = flat_id(gid, nwg, WG);
  if (tid >= fp.n_threads) { return; }
  let l = lane(tid, 2u);
  let ls = fp.log2_s;
  let m = 1u << fp.log2_m;
  let p = 1u << fp.log2_p;
  let x0 = load_c(l.base + (l.i << ls));
  let x1 = cmul(load_c(l.base + ((l.i + m) << ls)), twiddle(l.k));
  let x2 = cmul(load_c(l.base + ((l.i + 2u * m) << ls)), twiddle(2u * l.k));
  let x3 = cmul(load_c(l.base + ((l.i + 3u * m) << ls)), twiddle(3u * l.k));
  let a0 = x0 + x2;
  let a1 = x0 - x2;
  let a2 = x1 + x3;
  let a3 = cmul_i(x1 - x3, fp.dir);
  store_c(l.base + (l.j << ls), a0 + a2);
  store_c(l.base + ((l.j + p) << ls), a1 + a3);
  store_c(l.base + ((l.j + 2u * p) << ls), a0 - a2);
  store_c(l.base + ((l.j + 3u * p) << ls), a1 - a3);
}

@compute @workgroup_size(WG)
fn fft_convert(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flat_id(gid, nwg, WG);
  if (e >= pp.n) { return; }
  switch pp.mode {
    case 1u: {
      y[2u * e] = x[e] * pp.scale;
      y[2u * e + 1u] = 0.0;
    }
    case 2u: {
      y[e] = x[2u * e] * pp.scale;
    }
    default: {
      y[2u * e] = x[2u * e] * pp.scale;
      y[2u * e + 1u] = x[2u * e + 1u] * pp.scale;
    }
  }
}

@compute @workgroup_size(WG)
fn fft_random_phasor(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flat_id(gid, nwg, WG);
  if (e >= pp.n) { return; }
  let h = 1u << pp.log2_h;
  let w = 1u << pp.log2_w;
  let f = e & ((h << pp.log2_w) - 1u);
  if (f == 0u) {
    g[e] = s[e];
    return;
  }
  let u = f >> pp.log2_w;
  let v = f & (w - 1u);
  let mirror = (((h - u) & (h - 1u)) << pp.log2_w) | ((w - v) & (w - 1u));
  let theta = 6.283185307179586 * rand_uniform(vec2<u32>(pp.key0, pp.key1), e - f + min(f, mirror)) - 3.141592653589793;
  var z = vec2<f32>(cos(theta), sin(theta));
  if (mirror == f) {
    z = vec2<f32>(select(-1.0, 1.0, z.x >= 0.0), 0.0);
  } else if (mirror < f) {
    z.y = -z.y;
  }
  g[e] = z;
}

@compute @workgroup_size(WG)
fn fft_polar_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flat_id(gid, nwg, WG);
  if (e >= pp.n) { return; }
  g[e] = length(s[e]) * cunit(t[e]);
}

@compute @workgroup_size(WG)
fn fft_polar_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flat_id(gid, nwg, WG);
  if (e >= pp.n) { return; }
  let sv = s[e];
  let tv = t[e];
  let d = dg[e];
  let a = length(sv);
  let r = length(tv);
  let u = cunit(tv);
  ds[e] = select(vec2<f32>(0.0), (dot(d, u) / a) * sv, a > 0.0);
  let m = d.x * u.y - d.y * u.x;
  dt[e] = select(vec2<f32>(0.0), (a * m / r) * vec2<f32>(u.y, -u.x), r > 0.0);
}
