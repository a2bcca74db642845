/**
 * Spatter (imagecorruptions' extra corruption) over kernels/corrupt-spatter.wgsl. A liquid layer
 * L = gaussian(N(μ, s), σ) is thresholded at t; mode 0 ("water") shades drops by the distance to their Canny
 * edges (Canny 50/150, chamfer distance transform, box blur, histogram equalisation, emboss, box blur), mode 1
 * ("mud") blurs the drop mask with σ = k and paints brown where it is ≥ 0.8. Every pass runs on the GPU; the
 * one sequential step (Canny's hysteresis flood fill) runs one thread per image.
 */
import type { Tensor } from '../tensor/tensor.js';
import { run } from '../ops/dispatch.js';
import { mul } from '../ops/elementwise.js';
import { max } from '../ops/reduce.js';
import { expectImages, noiseField } from './noise.js';
import { type CorruptKey } from './keys.js';
import { gaussianFilter } from './blur.js';

/** Spatter parameters in the order of the severity tables: (μ, s, σ, t, k, mode). */
export interface SpatterParams { mu: number; sigma: number; blur: number; thresh: number; k: number; mode: 0 | 1 }

/** Relaxation steps of the distance transform: enough for every distance up to the cap of 20. */
const DISTANCE_STEPS = 20;

/** Spatter: drops of water (mode 0) or mud (mode 1); the liquid field uses the key's own stream. */
export function spatter(x: Tensor, p: SpatterParams, key: CorruptKey): Tensor {
  expectImages('spatter', x);
  const [n, c, h, w] = x.shape;
  const e = x.engine;
  const params = (mode: number) => ({ w, h, c, mode, n, t: p.thresh, k: p.k });
  const grid: [number, number, number] = [Math.ceil(w / 8), Math.ceil(h / 8), n];
  const pass = (entry: string, inputs: Record<string, Tensor>, mode = 0): Tensor => {
    const y = e.empty([n, 1, h, w], 'f32', entry);
    run('corrupt-spatter', entry, { ...inputs, y }, params(mode), grid);
    return y;
  };
  const raw = noiseField(e, [n, h, w], 'normal', p.sigma, p.mu, key);
  const liquid = gaussianFilter(raw, p.blur);
  raw.dispose();
  const y = e.empty(x.shape, 'f32', 'spatter');
  if (p.mode === 1) {
    const mask = pass('corrupt_spatter_threshold', { x: liquid }, 1);
    const m = gaussianFilter(mask, p.k);
    run('corrupt-spatter', 'corrupt_spatter_mud', { x, a: m, y }, params(1), grid);
    for (const t of [liquid, mask, m]) t.dispose();
    return y;
  }
  const l8 = pass('corrupt_spatter_threshold', { x: liquid });
  const codes = pass('corrupt_spatter_sobel', { x: l8 });
  const cls = pass('corrupt_spatter_nms', { x: codes });
  const stack = e.empty([n, h, w], 'i32', 'canny stack');
  let dist = e.empty([n, 1, h, w], 'f32', 'distance');
  run('corrupt-spatter', 'corrupt_spatter_hysteresis', { cls, stack, y: dist }, params(0), [Math.ceil(n / 64)]);
  for (let i = 0; i < DISTANCE_STEPS; i++) {
    const next = pass('corrupt_spatter_distance', { x: dist });
    dist.dispose();
    dist = next;
  }
  const box = pass('corrupt_spatter_box3', { x: dist });
  const eq = e.empty([n, 1, h, w], 'f32', 'equalized');
  run('corrupt-spatter', 'corrupt_spatter_equalize', { x: box, y: eq }, params(0), [n]);
  const emboss = pass('corrupt_spatter_emboss', { x: eq });
  const shade = pass('corrupt_spatter_box3', { x: emboss }, 1);
  const [a, top] = e.noGrad(() => {
    const prod = mul(l8, shade);
    return [prod, max(prod, [1, 2, 3])];
  });
  run('corrupt-spatter', 'corrupt_spatter_water', { x, a, b: top, y }, params(0), grid);
  for (const t of [liquid, l8, codes, cls, stack, dist, box, eq, emboss, shade, a, top]) t.dispose();
  return y;
}
