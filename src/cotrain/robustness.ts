/**
 * Top-1 accuracy of a classifier on clean images and on every corruption × severity, the way neural_cotraining's
 * on-the-fly TIN-TC test does it (neural_cotraining `fly_c_test`: corrupt the raw image, then grayscale + normalise):
 * each batch of raw dataset images (values in [0, 1]) is corrupted on the GPU, then `transform` (the model's eval
 * preprocessing, e.g. `tinyImageNetGrayEval()`) is applied per image, then the model classifies it.
 *
 * Determinism: image i of the dataset is always corrupted with the stream of (corruption, severity, seed, i)
 * (`corrupt`'s firstIndex is the dataset index of the batch's first image), so the corrupted test set is the same
 * for every model, batch size and run, which the robustness score's per-corruption ratios rely on.
 *
 * Result layout: `acc[c][j]` is the accuracy under corruption c at `severities[j]`; with the default severities
 * 1…5 that is `[severity − 1]`, the layout of `RunSeedResult.acc`.
 */
import type { Engine } from '../engine.js';
import type { Layer } from '../nn/layers.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Dataset, Image } from '../data/dataset.js';
import { DataLoader, type Batch, type SampleTransform } from '../data/loader.js';
import { corrupt } from '../corrupt/corrupt.js';
import { CORRUPTIONS, type SeverityTable } from '../corrupt/catalogue.js';
import { Rng } from '../random/rng.js';
import { TIN_TC_CORRUPTIONS } from '../corrupt/catalogue.js';
import { topk } from '../train/evaluate.js';
import { ArgumentError, ShapeError } from '../errors.js';

export interface RobustnessOptions {
  /** Default: the 14 TIN-TC corruptions of the paper. */
  corruptions?: readonly string[];
  /** Default 1…5. */
  severities?: readonly number[];
  /** Severity table of `corrupt` (64: Tiny-ImageNet-C's, 224: imagecorruptions' values, which the paper used). */
  table: SeverityTable;
  /** Corruption seed (u32); the same seed gives every model the same corrupted images. */
  seed: number;
  batchSize: number;
  /** Applied to every clean or corrupted image before the model; it must return a single image. */
  transform?: SampleTransform;
}

export interface RobustnessResult {
  clean: number;
  /** [corruption][j] for severities[j]. */
  acc: Record<string, number[]>;
}

/** One evaluated condition: clean (name null) or a corruption at a severity. */
interface Variant { name: string | null; severity: number }

/** Corrupted batches read back at once before the host transform; bounds the host memory of one round trip. */
const HOST_CHUNK_BYTES = 64 << 20;

export async function evaluateRobustness(engine: Engine, model: Layer, data: Dataset, opts: RobustnessOptions): Promise<RobustnessResult> {
  const corruptions = opts.corruptions ?? TIN_TC_CORRUPTIONS;
  const severities = opts.severities ?? [1, 2, 3, 4, 5];
  for (const c of corruptions) {
    if (!(CORRUPTIONS as readonly string[]).includes(c)) throw new ArgumentError(`evaluateRobustness: unknown corruption '${c}'`);
  }
  for (const s of severities) {
    if (!Number.isInteger(s) || s < 1 || s > 5) throw new ArgumentError(`evaluateRobustness: severity ${s} is not 1…5`);
  }
  if (new Set(corruptions).size !== corruptions.length) throw new ArgumentError('evaluateRobustness: a corruption is listed twice');
  const variants: Variant[] = [{ name: null, severity: 0 }, ...corruptions.flatMap((name) => severities.map((severity) => ({ name, severity })))];
  const hits = new Float64Array(variants.length);
  let n = 0;
  const flags = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  // No transform: the loader hands over the dataset's own [0, 1] images, which is what `corrupt` expects.
  const loader = new DataLoader(data, { batchSize: opts.batchSize, shuffle: false });
  try {
    for await (const b of loader.batches()) {
      checkConsecutive(b);
      const counts = await evaluateBatch(engine, model, b, variants, opts);
      counts.forEach((h, i) => { hits[i] += h; });
      n += b.labels.length;
    }
  } finally {
    await loader.close();
    for (const [m, t] of flags) m.training = t;
  }
  const acc: Record<string, number[]> = {};
  variants.forEach((v, i) => { if (v.name !== null) (acc[v.name] ??= []).push(hits[i] / n); });
  return { clean: hits[0] / n, acc };
}

/** The corruption keys use the dataset index of the batch's first image, so the batch must be a contiguous run. */
function checkConsecutive(b: Batch): void {
  if (b.views !== 1) throw new ShapeError(`evaluateRobustness: batches must have one view, got ${b.views}`);
  b.indices.forEach((v, i) => {
    if (v !== b.indices[0] + i) throw new ShapeError(`evaluateRobustness: batch indices are not consecutive at ${i} (${b.indices[0]} … ${v})`);
  });
}

/** Top-1 hits of every variant on one batch. */
async function evaluateBatch(engine: Engine, model: Layer, b: Batch, variants: readonly Variant[], opts: RobustnessOptions): Promise<number[]> {
  const raw = engine.tensor(b.images, b.shape).keep();
  const first = b.indices[0];
  const corrupted = (v: Variant): Tensor =>
    v.name === null ? raw.view(raw.shape) : corrupt(raw, v.name, v.severity, { seed: opts.seed, firstIndex: first, table: opts.table });
  const classify = (x: Tensor): Tensor => engine.noGrad(() => engine.scope(() => model.call(x)));
  const out: number[] = [];
  try {
    if (!opts.transform) {
      // Everything stays on the GPU; the logits of all variants are read back together.
      const logits = variants.map((v) => engine.noGrad(() => engine.scope(() => classify(corrupted(v)))));
      out.push(...(await countHits(logits, b.labels)));
      return out;
    }
    const transform = opts.transform;
    const perVariant = b.images.length * 4;
    const chunk = Math.max(1, Math.floor(HOST_CHUNK_BYTES / perVariant));
    for (let s = 0; s < variants.length; s += chunk) {
      const part = variants.slice(s, s + chunk);
      const images = part.map((v) => engine.noGrad(() => engine.scope(() => corrupted(v))));
      const host = await Promise.all(images.map(async (t) => { const v = (await t.read()) as Float32Array; t.dispose(); return v; }));
      const logits = host.map((h) => engine.scope(() => {
        const [data, shape] = transformBatch(h, b, transform, opts.seed);
        return classify(engine.tensor(data, shape));
      }));
      out.push(...(await countHits(logits, b.labels)));
    }
    return out;
  } finally {
    raw.dispose();
  }
}

async function countHits(logits: Tensor[], labels: Int32Array): Promise<number[]> {
  const values = await Promise.all(logits.map((t) => t.read()));
  const hits = logits.map((t, i) => topk(values[i] as Float32Array, labels, t.shape[1], 1));
  for (const t of logits) t.dispose();
  return hits;
}

/** Applies `transform` to every image of a read-back batch [B, C, H, W]; all outputs must share one shape. */
function transformBatch(data: Float32Array, b: Batch, transform: SampleTransform, seed: number): [Float32Array, number[]] {
  const [count, c, h, w] = b.shape;
  const per = c * h * w;
  let out: Float32Array | null = null;
  let shape: readonly number[] = [];
  for (let i = 0; i < count; i++) {
    const img: Image = { data: data.slice(i * per, (i + 1) * per), shape: [c, h, w] };
    const index = b.indices[i];
    // A deterministic stream per image, in case the transform draws (eval transforms normally do not).
    const y = transform(img, Rng.of(seed, 0xe7a1, index), index);
    if (Array.isArray(y)) throw new ShapeError('evaluateRobustness: the transform returned several views; give it an eval transform');
    const one = y as Image;
    if (!out) {
      shape = one.shape;
      out = new Float32Array(count * one.data.length);
    } else if (one.shape.some((d, k) => d !== shape[k])) {
      throw new ShapeError(`evaluateRobustness: transformed image ${index} is [${one.shape.join(', ')}], the first was [${shape.join(', ')}]`);
    }
    out.set(one.data, i * one.data.length);
  }
  return [out ?? new Float32Array(0), [count, ...shape]];
}
