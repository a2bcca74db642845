/**
 * Procedural texture families: the figure/ground fills of synth-objects-64 and the texture half
 * of synth-textures. Each family renders a raw field; `shapeField` sets its mean luminance and RMS contrast.
 * Everything is drawn from the given Rng, so a texture is a pure function of its key.
 */
import { ShapeError } from '../errors.js';
import { Rng } from '../random/rng.js';

export const TEXTURE_FAMILIES = ['pink', 'grating', 'plaid', 'checker', 'gabor', 'worley', 'marble', 'dots'] as const;
export type TextureFamily = (typeof TEXTURE_FAMILIES)[number];

type Render = (h: number, w: number, rng: Rng) => Float32Array;

const RENDER: Record<TextureFamily, Render> = {
  pink: renderPink,
  grating: renderGrating,
  plaid: renderPlaid,
  checker: renderChecker,
  gabor: renderGabor,
  worley: renderWorley,
  marble: renderMarble,
  dots: renderDots,
};

/** The raw field (any offset and scale) of one texture of `family`, row-major [h·w]. */
export function renderTexture(family: TextureFamily, h: number, w: number, rng: Rng): Float32Array {
  if (!(h >= 1 && w >= 1)) throw new ShapeError(`renderTexture: size ${h}×${w}`);
  return RENDER[family](h, w, rng);
}

/** Affinely maps `field` to the given mean and standard deviation (RMS contrast), then clips to [0, 1]. */
export function shapeField(field: Float32Array, mean: number, rms: number): Float32Array {
  let m = 0;
  for (const v of field) m += v;
  m /= field.length;
  let v2 = 0;
  for (const v of field) v2 += (v - m) ** 2;
  const sd = Math.sqrt(v2 / field.length);
  const scale = sd > 1e-12 ? rms / sd : 0;
  return field.map((v) => Math.min(1, Math.max(0, mean + (v - m) * scale)));
}

/** One texture at a given mean luminance and RMS contrast, values in [0, 1]. */
export function texture(family: TextureFamily, h: number, w: number, rng: Rng, mean: number, rms: number): Float32Array {
  return shapeField(renderTexture(family, h, w, rng), mean, rms);
}

/**
 * synth-textures: sample `sample` of `family` at size×size, mean .5, RMS contrast .15, keyed by
 * (seed, family, sample) so any sample regenerates alone. Its noise twin is made from it by the GPU FFT.
 */
export function synthTexture(seed: number, family: TextureFamily, sample: number, size = 64): Float32Array {
  const rng = Rng.of(seed, TEXTURE_FAMILIES.indexOf(family), sample).fork(0x7e47);
  return texture(family, size, size, rng, 0.5, 0.15);
}

/** Gaussian field with power spectrum ∝ 1/f^β, β ∈ {1, 1.5, 2} (2 ≈ natural images); DC removed. */
function renderPink(h: number, w: number, rng: Rng): Float32Array {
  const beta = rng.pick([1, 1.5, 2]);
  const re = new Float64Array(h * w);
  const im = new Float64Array(h * w);
  for (let ky = 0; ky < h; ky++) {
    const fy = (ky <= h / 2 ? ky : ky - h) / h;
    for (let kx = 0; kx < w; kx++) {
      const fx = (kx <= w / 2 ? kx : kx - w) / w;
      const f = Math.hypot(fx, fy);
      const a = f > 0 ? f ** (-beta / 2) : 0;
      re[ky * w + kx] = a * rng.normal();
      im[ky * w + kx] = a * rng.normal();
    }
  }
  return idft2Real(re, im, h, w);
}

/**
 * Re of the unnormalised 2-D inverse DFT of (re, im): radix-2 FFT passes when both sizes are powers of two,
 * direct O(hw(h+w)) sums otherwise.
 */
export function idft2Real(re: Float64Array, im: Float64Array, h: number, w: number): Float32Array {
  const zr = Float64Array.from(re);
  const zi = Float64Array.from(im);
  for (let y = 0; y < h; y++) inverseLine(zr, zi, y * w, 1, w);
  for (let x = 0; x < w; x++) inverseLine(zr, zi, x, w, h);
  return Float32Array.from(zr);
}

const isPow2 = (n: number) => (n & (n - 1)) === 0;

/** In place, Σ_k z[k]·e^{+2πi·k·j/n} over the n elements at off + i·stride. */
function inverseLine(re: Float64Array, im: Float64Array, off: number, stride: number, n: number): void {
  if (n === 1) return;
  if (!isPow2(n)) {
    const sr = new Float64Array(n);
    const si = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      for (let k = 0, t = 0; k < n; k++, t = t + j >= n ? t + j - n : t + j) {
        const c = Math.cos((2 * Math.PI * t) / n);
        const s = Math.sin((2 * Math.PI * t) / n);
        sr[j] += re[off + k * stride] * c - im[off + k * stride] * s;
        si[j] += re[off + k * stride] * s + im[off + k * stride] * c;
      }
    }
    for (let j = 0; j < n; j++) { re[off + j * stride] = sr[j]; im[off + j * stride] = si[j]; }
    return;
  }
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const a = off + i * stride;
      const b = off + j * stride;
      [re[a], re[b]] = [re[b], re[a]];
      [im[a], im[b]] = [im[b], im[a]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    for (let k = 0; k < half; k++) {
      const c = Math.cos((2 * Math.PI * k) / len);
      const s = Math.sin((2 * Math.PI * k) / len);
      for (let i = 0; i < n; i += len) {
        const a = off + (i + k) * stride;
        const b = a + half * stride;
        const tr = re[b] * c - im[b] * s;
        const ti = re[b] * s + im[b] * c;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

interface Wave { fx: number; fy: number; phase: number; amp: number }

function wave(f: number, theta: number, rng: Rng, amp = 1): Wave {
  return { fx: f * Math.cos(theta), fy: f * Math.sin(theta), phase: rng.range(0, 2 * Math.PI), amp };
}

function sumWaves(h: number, w: number, waves: Wave[], shape: (v: number) => number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (const g of waves) s += g.amp * shape(Math.cos(2 * Math.PI * (g.fx * x + g.fy * y) + g.phase));
      out[y * w + x] = s;
    }
  }
  return out;
}

/** 1–3 sinusoidal gratings, f ∈ [0.05, 0.25] cycles/px, random orientation, phase and amplitude. */
function renderGrating(h: number, w: number, rng: Rng): Float32Array {
  const n = 1 + rng.int(3);
  const waves = Array.from({ length: n }, () => wave(rng.range(0.05, 0.25), rng.range(0, Math.PI), rng, rng.range(0.5, 1)));
  return sumWaves(h, w, waves, (v) => v);
}

/** Two soft square-wave gratings 60°–120° apart at one spatial frequency. */
function renderPlaid(h: number, w: number, rng: Rng): Float32Array {
  const f = rng.range(0.05, 0.2);
  const t = rng.range(0, Math.PI);
  const waves = [wave(f, t, rng), wave(f, t + rng.range(Math.PI / 3, (2 * Math.PI) / 3), rng)];
  return sumWaves(h, w, waves, (v) => Math.tanh(4 * v));
}

/** Checkerboard of period 4–12 px whose row and column lines are each displaced by up to ±period/4. */
function renderChecker(h: number, w: number, rng: Rng): Float32Array {
  const p = rng.range(4, 12);
  const lines = (n: number) => {
    const start = -rng.range(0, p);
    return Array.from({ length: Math.ceil(n / p) + 2 }, (_, k) => start + k * p + rng.range(-p / 4, p / 4));
  };
  const cells = (n: number, ls: number[]) => {
    const idx = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      while (k + 1 < ls.length && ls[k + 1] <= i + 0.5) k++;
      idx[i] = k;
    }
    return idx;
  };
  const cx = cells(w, lines(w));
  const cy = cells(h, lines(h));
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = (cx[x] + cy[y]) % 2;
  return out;
}

/** Sparse Gabor textons, 0.01–0.03 per px², f ∈ [0.1, 0.25], σ = 0.45/f, random sign and orientation. */
function renderGabor(h: number, w: number, rng: Rng): Float32Array {
  const out = new Float32Array(h * w);
  const count = rng.poisson(rng.range(0.01, 0.03) * h * w);
  for (let n = 0; n < count; n++) {
    const cx = rng.range(0, w);
    const cy = rng.range(0, h);
    const f = rng.range(0.1, 0.25);
    const sigma = 0.45 / f;
    const th = rng.range(0, Math.PI);
    const amp = rng.bernoulli(0.5) ? 1 : -1;
    const r = Math.ceil(3 * sigma);
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(h, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(w, Math.ceil(cx + r)); x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        const u = dx * Math.cos(th) + dy * Math.sin(th);
        out[y * w + x] += amp * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) * Math.cos(2 * Math.PI * f * u);
      }
    }
  }
  return out;
}

/** Worley cells: distance to the nearest of Poisson-scattered seeds (mean spacing 6–14 px). */
function renderWorley(h: number, w: number, rng: Rng): Float32Array {
  const spacing = rng.range(6, 14);
  const n = Math.max(2, rng.poisson((h * w) / (spacing * spacing)));
  const px = Array.from({ length: n }, () => rng.range(0, w));
  const py = Array.from({ length: n }, () => rng.range(0, h));
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = Infinity;
      for (let i = 0; i < n; i++) best = Math.min(best, (x + 0.5 - px[i]) ** 2 + (y + 0.5 - py[i]) ** 2);
      out[y * w + x] = Math.sqrt(best);
    }
  }
  return out;
}

/** "Marble": a slow grating whose phase is bent by 4-octave value-noise turbulence. */
function renderMarble(h: number, w: number, rng: Rng): Float32Array {
  const f = rng.range(0.02, 0.08);
  const th = rng.range(0, Math.PI);
  const phase = rng.range(0, 2 * Math.PI);
  const bend = rng.range(2, 6);
  const scale = rng.range(8, 24);
  const octaves = Array.from({ length: 4 }, (_, o) => valueNoise(h, w, scale / 2 ** o, rng));
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let turb = 0;
      for (let o = 0; o < 4; o++) turb += Math.abs(octaves[o][i]) / 2 ** o;
      out[i] = Math.sin(2 * Math.PI * f * (x * Math.cos(th) + y * Math.sin(th)) + phase + bend * turb);
    }
  }
  return out;
}

/** Smoothstep-interpolated lattice noise in [−1, 1] with lattice spacing `cell` px. */
function valueNoise(h: number, w: number, cell: number, rng: Rng): Float32Array {
  const gw = Math.ceil(w / cell) + 2;
  const gh = Math.ceil(h / cell) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => rng.range(-1, 1));
  const s = (t: number) => t * t * (3 - 2 * t);
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const gy = (y + 0.5) / cell;
    const iy = Math.floor(gy);
    const ty = s(gy - iy);
    for (let x = 0; x < w; x++) {
      const gx = (x + 0.5) / cell;
      const ix = Math.floor(gx);
      const tx = s(gx - ix);
      const a = grid[iy * gw + ix] + tx * (grid[iy * gw + ix + 1] - grid[iy * gw + ix]);
      const b = grid[(iy + 1) * gw + ix] + tx * (grid[(iy + 1) * gw + ix + 1] - grid[(iy + 1) * gw + ix]);
      out[y * w + x] = a + ty * (b - a);
    }
  }
  return out;
}

/** Poisson-scattered antialiased dots, radius 1–3 px, 0.005–0.02 per px², random polarity. */
function renderDots(h: number, w: number, rng: Rng): Float32Array {
  const out = new Float32Array(h * w);
  const count = Math.max(1, rng.poisson(rng.range(0.005, 0.02) * h * w));
  const sign = rng.bernoulli(0.5) ? 1 : -1;
  for (let n = 0; n < count; n++) {
    const cx = rng.range(0, w);
    const cy = rng.range(0, h);
    const r = rng.range(1, 3);
    for (let y = Math.max(0, Math.floor(cy - r - 1)); y < Math.min(h, Math.ceil(cy + r + 1)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r - 1)); x < Math.min(w, Math.ceil(cx + r + 1)); x++) {
        const cover = Math.min(1, Math.max(0, r + 0.5 - Math.hypot(x + 0.5 - cx, y + 0.5 - cy)));
        out[y * w + x] = Math.max(out[y * w + x], cover);
      }
    }
  }
  return out.map((v) => sign * v);
}
