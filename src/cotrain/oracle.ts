/**
 * The Oracle's first phase (sinzlab/neural_cotraining RepresentationMatching + ManyDatasetsInOne):
 * every training image gives two views, each with its own crop/flip/rotation (not spatially aligned):
 *   view A: clean with probability `cleanProb`, else corrupted (Distort(with_clean=True));
 *   view B: always corrupted (Distort(with_clean=False)).
 * Both go through the model as one batch of 2B; cross-entropy on view A's logits only, plus
 * λ·consistency(conv3_1(A), conv3_1(B)) (cosine: mean(1 − cos) over channels at every position).
 * Corruptions run on the GPU (src/corrupt/corrupt.ts) on [0, 1] images, before standardisation.
 *
 * NOTE: the original draws a corruption and severity per image; here each view of a batch gets one corruption and
 * one severity drawn per batch (all from the configured lists), so a batch costs two `corrupt` calls instead of up to
 * 2B. Over an epoch every corruption and severity still appears with the same frequency.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MtlVgg } from '../models/mtl.js';
import { DataLoader, type LoaderPosition } from '../data/loader.js';
import { nameId } from '../random/pcg.js';
import { Rng } from '../random/rng.js';
import { corrupt } from '../corrupt/corrupt.js';
import { add, affine, mul, scale, sub } from '../ops/elementwise.js';
import { concat, slice } from '../ops/movement.js';
import { crossEntropy } from '../ops/softmax.js';
import type { CotrainConfig } from './config.js';
import type { CycleTask } from '../train/cycler.js';
import { augmentation, imageSetDataset, type ClassificationData } from './data.js';
import { consistencyLoss } from './losses.js';

const STREAM = nameId('cotrain/oracle-distort');

export interface DistortDraw {
  a: { corruption: string; severity: number; seed: number };
  b: { corruption: string; severity: number; seed: number };
  /** Per sample of view A: 1 = corrupted, 0 = clean. */
  corruptA: Float32Array;
}

/** The batch's corruption draws, a pure function of (run seed, epoch, batch start). */
export function distortDraw(c: CotrainConfig, seed: number, epoch: number, start: number, batch: number): DistortDraw {
  const o = c.oracle;
  const rng = Rng.of(seed, STREAM, epoch * 0x10000 + start);
  const pick = () => ({
    corruption: o.corruptions[rng.int(o.corruptions.length)], severity: o.severities[rng.int(o.severities.length)],
    // Two 16-bit halves: Rng.uniform has 24 bits of resolution.
    seed: ((rng.int(0x10000) << 16) | rng.int(0x10000)) >>> 0,
  });
  const a = pick();
  const b = pick();
  const corruptA = Float32Array.from({ length: batch }, () => (rng.uniform() < o.cleanProb ? 0 : 1));
  return { a, b, corruptA };
}

/**
 * The Oracle's training task: two augmented [0, 1] views per image from the loader, distorted and standardised on
 * the GPU, CE on view A plus λ·consistency at the shared block's output.
 */
export function oracleTask(engine: Engine, model: MtlVgg, d: ClassificationData, c: CotrainConfig, seed: number, start?: LoaderPosition):
  { task: CycleTask; loader: DataLoader } {
  const aug = augmentation(c);
  const loader = new DataLoader(imageSetDataset(d.train, d.numClasses, d.classNames), {
    batchSize: c.batchSize, seed, dropLast: true, transform: (img, rng) => [aug(img, rng.fork(1)), aug(img, rng.fork(2))], start,
  });
  const table = c.robustness.table;
  const task: CycleTask = {
    name: 'img_classification',
    async next() {
      const b = await loader.next();
      const n = b.labels.length;
      const draw = distortDraw(c, seed, b.epoch, b.start, n);
      return () => {
        const x = engine.tensor(b.images, b.shape);
        const viewA = slice(x, 0, 0, n);
        const viewB = slice(x, 0, n, 2 * n);
        let a: Tensor = viewA;
        if (draw.corruptA.some((v) => v > 0)) {
          const ca = corrupt(viewA, draw.a.corruption, draw.a.severity, { seed: draw.a.seed, firstIndex: b.start, table });
          a = add(viewA, mul(engine.tensor(draw.corruptA, [n, 1, 1, 1]), sub(ca, viewA)));
        }
        const bb = corrupt(viewB, draw.b.corruption, draw.b.severity, { seed: draw.b.seed, firstIndex: b.start, table });
        const both = affine(concat([a, bb], 0), 1 / d.std, -d.mean / d.std);
        const rep = model.shared(both);
        const logits = model.classifyShared(rep);
        const ce = crossEntropy(slice(logits, 0, 0, n), engine.tensor(b.labels, [n], 'i32'));
        const cons = consistencyLoss(slice(rep, 0, 0, n), slice(rep, 0, n, 2 * n), c.oracle.consistency);
        return add(ce, scale(cons, c.oracle.consistencyWeight));
      };
    },
  };
  return { task, loader };
}
