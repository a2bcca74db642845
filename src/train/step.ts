/**
 * One classification training step (loss, backward, optimiser update), run eagerly or replayed from a capture.
 *
 * Replay (default): the first step of a run is eager (it creates the optimiser's state: Adam's zero-filled
 * moments would otherwise be re-zeroed by every replay); the first batch of each new shape (views × batch, image
 * size, soft or hard targets) is captured, and later batches of that shape write their data into the capture's
 * input tensors and replay it. The optimiser's per-step params (lr from the schedule, Adam's bias corrections)
 * are re-read at each replay and its step counts advanced (Optimizer.countReplay), so a replayed run computes
 * exactly what an eager one does and its checkpoints resume byte-exactly. A replay skips all JS op, tape and
 * allocation work: on lavapipe that is most of a small model's step (bench/train-step.bench.ts).
 *
 * Losses accumulate on the GPU; `takeMean()` reads their mean since the last call (one wait).
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import type { CapturedStep } from '../gpu/capture.js';
import type { Batch } from '../data/loader.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { GRCNN } from '../models/grcnn.js';
import { add, scale } from '../ops/elementwise.js';
import { slice } from '../ops/movement.js';
import { crossEntropy } from '../ops/softmax.js';
import type { TrainConfig } from './config.js';
import { jsdConsistency, superclassMembers, superclassTerm, superclassWeights } from './losses.js';

/** Maps classes to superclasses for the superclass loss (null: no superclass term). */
export interface SuperclassMap { superOf: Int32Array; k: number }

interface Inputs { x: Tensor; target: Tensor; superWeights: Tensor | null }

interface Captured { inputs: Inputs; step: CapturedStep; loss: Tensor; stepped: readonly number[] }

/** How many batch shapes keep a capture (each pins its activations); others run eagerly. */
const MAX_CAPTURES = 4;

export class TrainStep {
  readonly #captures = new Map<string, Captured>();
  readonly #member: Tensor | null;
  #acc: Tensor | null = null;
  #count = 0;
  #eagerDone = false;
  /** Steps run eagerly and replayed (the first of each captured shape counts as captured, not replayed). */
  readonly counts = { eager: 0, captured: 0, replayed: 0 };

  constructor(private readonly engine: Engine, private readonly model: GRCNN, private readonly optimizer: Optimizer,
    private readonly cfg: TrainConfig, private readonly superclass: SuperclassMap | null, private readonly replay: boolean) {
    this.#member = superclass ? superclassMembers(engine, superclass.superOf, superclass.k).keep() : null;
  }

  /** Trains on one batch; its loss joins the running sum. */
  run(b: Batch): void {
    const key = `${b.shape.join('x')}/${b.views}/${b.targets ? 'soft' : 'hard'}`;
    const cap = this.#captures.get(key);
    let loss: Tensor;
    let owned = false;
    if (cap) {
      this.#write(cap.inputs, b);
      this.optimizer.countReplay(cap.stepped);
      cap.step.replay();
      this.counts.replayed++;
      loss = cap.loss;
    } else if (this.replay && this.#eagerDone && this.#captures.size < MAX_CAPTURES) {
      const inputs = this.#upload(b, true);
      const { step, result } = this.engine.capture(() => this.engine.scope(() => this.#step(inputs, b.views)));
      const c: Captured = { inputs, step, loss: result.keep(), stepped: [...this.optimizer.lastStepped] };
      this.#captures.set(key, c);
      this.counts.captured++;
      loss = c.loss;
    } else {
      loss = this.engine.scope(() => this.#step(this.#upload(b, false), b.views));
      this.#eagerDone = true;
      this.counts.eager++;
      owned = true;
    }
    let sum: Tensor;
    if (this.#acc) sum = add(this.#acc, loss);
    else {
      // A copy: a replayed step's loss tensor is overwritten by the next replay.
      const first = scale(loss, 1);
      sum = first.view([]);
      first.dispose();
    }
    this.#acc?.dispose();
    if (owned) loss.dispose();
    this.#acc = sum.keep();
    this.#count++;
  }

  /** Mean loss of the steps since the last call (NaN when none ran). */
  async takeMean(): Promise<number> {
    if (!this.#acc) return NaN;
    const v = (await this.#acc.item()) / this.#count;
    this.#acc.dispose();
    this.#acc = null;
    this.#count = 0;
    return v;
  }

  dispose(): void {
    this.#acc?.dispose();
    this.#acc = null;
    for (const c of this.#captures.values()) {
      c.step.dispose();
      for (const t of [c.loss, c.inputs.x, c.inputs.target, c.inputs.superWeights]) t?.dispose();
    }
    this.#captures.clear();
    this.#member?.dispose();
  }

  #upload(b: Batch, keep: boolean): Inputs {
    const e = this.engine;
    const n = b.labels.length;
    const k = (t: Tensor) => (keep ? t.keep() : t);
    const x = k(e.tensor(b.images, b.shape));
    const target = k(b.targets ? e.tensor(b.targets, [n, b.targets.length / n]) : e.tensor(b.labels, [n], 'i32'));
    const s = this.superclass;
    const superWeights = s && this.cfg.train.superclass ? k(e.tensor(superclassWeights(b.labels, s.superOf, s.k, b.targets), [n, s.k])) : null;
    return { x, target, superWeights };
  }

  #write(inputs: Inputs, b: Batch): void {
    inputs.x.write(b.images);
    inputs.target.write(b.targets ?? b.labels);
    if (inputs.superWeights && this.superclass) inputs.superWeights.write(superclassWeights(b.labels, this.superclass.superOf, this.superclass.k, b.targets));
  }

  /** Loss, backward and update: the part a capture records. */
  #step(inputs: Inputs, views: number): Tensor {
    const l = stepLoss(this.model, inputs, views, this.cfg, this.#member);
    this.engine.backward(l);
    this.optimizer.step();
    this.optimizer.zeroGrad();
    return l;
  }
}

/**
 * The loss of one batch: CE on the clean view (hard, smoothed or CutMix soft targets), the JSD over all views
 * (AugMix, or the texture/noise blends of fine-tuning, weighted as AugMix's λ = 12), the superclass term.
 */
function stepLoss(model: GRCNN, inputs: Inputs, views: number, cfg: TrainConfig, member: Tensor | null): Tensor {
  const t = cfg.train;
  const logits = model.call(inputs.x);
  const n = logits.shape[0] / views;
  const clean = views > 1 ? slice(logits, 0, 0, n) : logits;
  let loss = crossEntropy(clean, inputs.target, { labelSmoothing: t.labelSmoothing });
  const jsdWeight = t.augmix?.jsdWeight ?? t.blend?.jsdWeight ?? 0;
  if (views > 1 && jsdWeight > 0) {
    const vs = [clean, ...Array.from({ length: views - 1 }, (_, v) => slice(logits, 0, (v + 1) * n, (v + 2) * n))];
    loss = add(loss, scale(jsdConsistency(vs), jsdWeight));
  }
  if (member && inputs.superWeights && t.superclass) loss = add(loss, scale(superclassTerm(clean, member, inputs.superWeights), t.superclass.weight));
  return loss;
}
