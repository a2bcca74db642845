/** Top-1/top-5 accuracy and mean loss of a classifier over a dataset, in eval mode without gradients. */
import type { Engine } from '../engine.js';
import type { Layer } from '../nn/layers.js';
import type { Dataset } from '../data/dataset.js';
import { DataLoader, type SampleTransform } from '../data/loader.js';
import { crossEntropy } from '../ops/softmax.js';
import type { Tensor } from '../tensor/tensor.js';
import { CortexError } from '../errors.js';

/** Logits or a loss came out NaN/Inf: names the batch and the first parameter holding a non-finite value. */
export class NonFiniteOutputError extends CortexError {}

/** The name of the first tensor holding NaN/Inf, or null. */
export async function firstNonFinite(tensors: Iterable<[string, Tensor]>): Promise<string | null> {
  for (const [name, p] of tensors) {
    const v = await p.read();
    if (v.some((x) => !Number.isFinite(x))) return name;
  }
  return null;
}

export interface EvalResult {
  top1: number; top5: number; loss: number; n: number;
  /** Per image in dataset order: the true label, the top-1 prediction and the dataset index (for the report). */
  labels: Int32Array; predicted: Int32Array; indices: Int32Array;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
}

/** Counts hits of `labels` in the top-k of each row of logits [n, c]. */
export function topk(logits: Float32Array, labels: Int32Array, c: number, k: number): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray(i * c, (i + 1) * c);
    const target = row[labels[i]];
    // Rank = how many other classes score at least as high: a tie counts against the target (a zeroed
    // classifier must not score 100 %).
    let higher = 0;
    for (let j = 0; j < c; j++) if (j !== labels[i] && row[j] >= target) higher++;
    if (higher < k) hits++;
  }
  return hits;
}

export async function evaluate(engine: Engine, model: Layer, data: Dataset, transform: SampleTransform, batchSize: number): Promise<EvalResult> {
  const wasTraining = model.training;
  model.eval();
  const loader = new DataLoader(data, { batchSize, shuffle: false, transform });
  let top1 = 0; let top5 = 0; let lossSum = 0; let n = 0; let batch = 0;
  const labels: number[] = []; const predicted: number[] = []; const indices: number[] = [];
  try {
    for await (const b of loader.batches()) {
      const { logits, loss } = engine.noGrad(() => engine.scope(() => {
        const x = engine.tensor(b.images, b.shape);
        const out = model.call(x);
        const l = crossEntropy(out, engine.tensor(b.labels, [b.labels.length], 'i32'), { reduction: 'sum' });
        return { logits: out, loss: l };
      }));
      const [lv, ll] = await Promise.all([logits.read(), loss.read()]);
      const c = logits.shape[1];
      if (!lv.every(Number.isFinite) || !Number.isFinite(ll[0])) {
        logits.dispose(); loss.dispose();
        const bad = await firstNonFinite(model.namedParameters());
        throw new NonFiniteOutputError(`evaluation batch ${batch} (images ${n}–${n + b.labels.length - 1}): `
          + `${lv.every(Number.isFinite) ? 'the loss' : 'the logits'} hold non-finite values${bad ? `; first non-finite tensor: parameter '${bad}'` : ''}`);
      }
      batch++;
      top1 += topk(lv as Float32Array, b.labels, c, 1);
      top5 += topk(lv as Float32Array, b.labels, c, Math.min(5, c));
      lossSum += ll[0];
      for (let i = 0; i < b.labels.length; i++) {
        labels.push(b.labels[i]); indices.push(b.indices[i]);
        predicted.push(argmax((lv as Float32Array).subarray(i * c, (i + 1) * c)));
      }
      n += b.labels.length;
      logits.dispose(); loss.dispose();
    }
  } finally {
    await loader.close();
    model.train(wasTraining);
  }
  return { top1: top1 / n, top5: top5 / n, loss: lossSum / n, n, labels: Int32Array.from(labels), predicted: Int32Array.from(predicted),
    indices: Int32Array.from(indices) };
}
