/**
 * One conv-RNN training step: unroll the movie, cross-entropy on the output node's last-step logits, BPTT, each
 * tensor's L2 decay added to its gradient (the JSONs' kernel decays are tf l2 regularisers on the loss, whose
 * gradient is decay·w), optional element-wise clipping (the searched lstm_shallow settings clip at ±0.324), one
 * optimiser step.
 *
 * Replay, as the GRCNN trainer does it (src/train/step.ts): the first step is eager (it creates the optimiser's
 * state: a capture of that step would re-zero Adam's moments at every replay); the second is captured; later
 * steps write their batch into the capture's input tensors and replay it. The optimiser's kernel params are
 * functions re-read at each replay and its step counts are advanced first (Optimizer.countReplay), so Adam's bias
 * corrections follow the step count and a replayed run computes what an eager one does.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import type { CapturedStep } from '../gpu/capture.js';
import type { Batch } from '../data/loader.js';
import type { Optimizer } from '../optim/optimizer.js';
import { add, clamp, scale } from '../ops/elementwise.js';
import { crossEntropy } from '../ops/softmax.js';
import type { ConvRnn } from './graph.js';
import { movieFrames, unroll } from './unroll.js';

interface Captured { step: CapturedStep; loss: Tensor; stepped: readonly number[] }

export class ConvRnnStep {
  readonly #x: Tensor;
  readonly #y: Tensor;
  readonly #decays: [Tensor, number][];
  #captured: Captured | null = null;
  #eagerDone = false;
  /** Steps run eagerly, captured and replayed. */
  readonly counts = { eager: 0, captured: 0, replayed: 0 };

  constructor(private readonly engine: Engine, private readonly model: ConvRnn, private readonly optimizer: Optimizer,
    private readonly o: { batchSize: number; clip: number; replay: boolean }) {
    const s = model.spec;
    this.#x = engine.empty([o.batchSize, s.input.channels, s.input.size, s.input.size], 'f32', 'convrnn input').keep();
    this.#y = engine.empty([o.batchSize], 'i32', 'convrnn labels').keep();
    this.#decays = model.decays().filter(([t, d]) => t.requiresGrad && d > 0);
  }

  /** Trains on one batch (of the configured size); resolves to its loss (one wait). */
  async run(b: Pick<Batch, 'images' | 'labels'>): Promise<number> {
    this.#x.write(b.images);
    this.#y.write(b.labels);
    let loss: Tensor;
    let owned = false;
    if (this.#captured) {
      this.optimizer.countReplay(this.#captured.stepped);
      this.#captured.step.replay();
      this.counts.replayed++;
      loss = this.#captured.loss;
    } else if (this.o.replay && this.#eagerDone) {
      const { step, result } = this.engine.capture(() => this.#step());
      this.#captured = { step, loss: result.keep(), stepped: [...this.optimizer.lastStepped] };
      this.counts.captured++;
      loss = this.#captured.loss;
    } else {
      loss = this.#step();
      this.#eagerDone = true;
      this.counts.eager++;
      owned = true;
    }
    try { return await loss.item(); } finally { if (owned) loss.dispose(); }
  }

  dispose(): void {
    if (this.#captured) { this.#captured.step.dispose(); this.#captured.loss.dispose(); this.#captured = null; }
    this.#x.dispose();
    this.#y.dispose();
  }

  /** Loss, backward, decay, clip and update: the part a capture records. */
  #step(): Tensor {
    return this.engine.scope(() => {
      const s = this.model.spec;
      const l = crossEntropy(unroll(this.model, movieFrames(this.#x, s.times, s.imageOff, s.blank)).logits, this.#y);
      this.engine.backward(l);
      this.engine.noGrad(() => {
        for (const [p, d] of this.#decays) if (p.grad) this.#replaceGrad(p, add(p.grad, scale(p, d)));
        if (this.o.clip > 0) for (const p of this.model.trainableParameters()) if (p.grad) this.#replaceGrad(p, clamp(p.grad, -this.o.clip, this.o.clip));
      });
      this.optimizer.step();
      this.optimizer.zeroGrad();
      return l;
    });
  }

  #replaceGrad(p: Tensor, g: Tensor): void {
    g.keep();
    p.grad!.dispose();
    p.grad = g;
  }
}
