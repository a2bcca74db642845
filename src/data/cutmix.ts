/**
 * CutMix (Yun et al. 2019; clovaai/CutMix-PyTorch `rand_bbox`): per batch, λ ~ Beta(β, β), a permutation π,
 * a box of side √(1−λ)·(W, H) centred uniformly and clipped to the image, x[π] pasted into the box. λ is then
 * re-set to the kept area 1 − box/(W·H) (the clipped-box correction of later versions), and the soft targets
 * are λ·onehot(y) + (1−λ)·onehot(y[π]), so a plain soft-target CE gives the paper's mixed loss.
 */
import { ArgumentError, ShapeError } from '../errors.js';
import type { Batch, BatchTransform } from './loader.js';
import type { Rng } from '../random/rng.js';

export interface CutMixOptions {
  /** Beta(β, β) parameter (default 1, the ImageNet recipe). */
  beta?: number;
  /** Probability of mixing a batch (default 1); unmixed batches get one-hot targets. */
  prob?: number;
}

/** Half-open pixel box [x0, x1) × [y0, y1). */
export interface CutBox { x0: number; y0: number; x1: number; y1: number }

export interface CutMixResult {
  images: Float32Array;
  /** [N, numClasses]. */
  targets: Float32Array;
  /** Fraction of each image that kept its own pixels; 1 when the batch was not mixed. */
  lambda: number;
  box: CutBox | null;
  perm: Int32Array;
}

export function cutBox(lambda: number, h: number, w: number, rng: Rng): CutBox {
  const ratio = Math.sqrt(1 - lambda);
  const cw = Math.trunc(w * ratio);
  const ch = Math.trunc(h * ratio);
  const cx = rng.int(w);
  const cy = rng.int(h);
  const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
  const hw = Math.floor(cw / 2);
  const hh = Math.floor(ch / 2);
  return { x0: clip(cx - hw, w), y0: clip(cy - hh, h), x1: clip(cx + hw, w), y1: clip(cy + hh, h) };
}

export function cutmix(images: Float32Array, shape: readonly [number, number, number, number], labels: Int32Array,
  numClasses: number, rng: Rng, options: CutMixOptions = {}): CutMixResult {
  const [n, c, h, w] = shape;
  if (images.length !== n * c * h * w || labels.length !== n) {
    throw new ShapeError(
      `cutmix: images of ${images.length} values / ${labels.length} labels for shape [${shape.join(', ')}]`);
  }
  const beta = options.beta ?? 1;
  const mix = beta > 0 && rng.bernoulli(options.prob ?? 1);
  const perm = mix ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  let lambda = 1;
  let box: CutBox | null = null;
  if (mix) {
    box = cutBox(rng.beta(beta, beta), h, w, rng);
    lambda = 1 - ((box.x1 - box.x0) * (box.y1 - box.y0)) / (h * w);
  }
  const out = pasteBox(images, shape, perm, box);
  const targets = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    for (const l of [labels[i], labels[perm[i]]]) {
      if (!(l >= 0 && l < numClasses)) throw new ArgumentError(`cutmix: label ${l} outside ${numClasses} classes`);
    }
    targets[i * numClasses + labels[i]] += lambda;
    targets[i * numClasses + labels[perm[i]]] += 1 - lambda;
  }
  return { images: out, targets, lambda, box, perm };
}

/**
 * CutMix as a loader batch transform. Multi-view batches (AugMix's clean + 2 augmented, the texture/noise blends)
 * get the same box and pairing in every view, so the views stay views of one mixed image and the JSD term
 * compares like with like; the soft targets are the clean view's.
 */
export function cutmixBatch(numClasses: number, options: CutMixOptions = {}): BatchTransform {
  return (batch: Batch, rng: Rng): Batch => {
    const [vn, c, h, w] = batch.shape;
    const n = vn / batch.views;
    const per = n * c * h * w;
    const r = cutmix(batch.images.subarray(0, per), [n, c, h, w], batch.labels, numClasses, rng, options);
    if (batch.views === 1) return { ...batch, images: r.images, targets: r.targets };
    const images = new Float32Array(batch.images.length);
    images.set(r.images, 0);
    for (let v = 1; v < batch.views; v++) images.set(pasteBox(batch.images.subarray(v * per, (v + 1) * per), [n, c, h, w], r.perm, r.box), v * per);
    return { ...batch, images, targets: r.targets };
  };
}

/** x with x[perm[i]]'s pixels pasted into `box` of every image i (a copy; null box: unchanged copy). */
function pasteBox(images: Float32Array, shape: readonly [number, number, number, number], perm: Int32Array, box: CutBox | null): Float32Array {
  const [n, c, h, w] = shape;
  const out = images.slice();
  if (!box) return out;
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      const dst = (i * c + k) * plane;
      const src = (perm[i] * c + k) * plane;
      for (let y = box.y0; y < box.y1; y++) out.set(images.subarray(src + y * w + box.x0, src + y * w + box.x1), dst + y * w + box.x0);
    }
  }
  return out;
}
