/**
 * One training run of the protocol: epochs of optimiser cycles (cycler.ts), a validation metric after each epoch,
 * ReduceLROnPlateau + early stopping with restarts and restore-best (early-stopping.ts), the best weights restored
 * at the end. Losses stay on the GPU and are read once per epoch.
 */
import type { Engine } from '../engine.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { NonFiniteLossError } from '../errors.js';
import { buildOptimizer, type Recipe } from './recipe.js';
import { BatchCycler, LossAccumulator, type CycleTask } from './cycler.js';
import { TrainingControl, type MetricMode } from './early-stopping.js';

export interface EpochRecord { epoch: number; lr: number; metric: number; losses: Record<string, number>; action: string; seconds: number }

export interface LoopResult {
  /** The metric of the untrained model. */
  initial: number;
  /** The metric of the restored (best) weights. */
  best: number;
  bestEpoch: number;
  epochs: number;
  restarts: number;
  lrReductions: number;
  history: EpochRecord[];
}

export interface LoopOptions {
  /** Whose state is snapshotted and restored (the model). */
  model: Module;
  /** Every trainable tensor (model and loss weights); they go into one optimiser. */
  params: Tensor[];
  recipe: Recipe;
  /** Overrides recipe.maxEpochs. */
  maxEpochs?: number;
  main: CycleTask | null;
  others: CycleTask[];
  ratio?: number;
  cyclesPerEpoch: number;
  mode: MetricMode;
  /** The validation metric (may switch to eval mode; the loop calls `trainMode` again before training). */
  evaluate: () => Promise<number>;
  trainMode: () => void;
  log?: (msg: string) => void;
  /** Label for log lines. */
  name: string;
}

export async function trainLoop(engine: Engine, o: LoopOptions): Promise<LoopResult> {
  const r = o.recipe;
  const optimizer = buildOptimizer(r, o.params);
  const cycler = new BatchCycler(engine, optimizer, { main: o.main, others: o.others, ratio: o.ratio });
  const acc = new LossAccumulator(engine);
  const initial = await o.evaluate();
  const control = new TrainingControl(o.model, r.lr, initial, {
    plateau: { ...r.plateau, mode: o.mode },
    stopping: { ...r.stopping, maxEpochs: o.maxEpochs ?? r.maxEpochs },
  });
  const history: EpochRecord[] = [];
  o.log?.(`${o.name}: start, validation ${initial.toFixed(4)}`);
  try {
    while (!control.done) {
      const t0 = performance.now();
      optimizer.lr = control.lr;
      o.trainMode();
      for (let i = 0; i < o.cyclesPerEpoch; i++) acc.add(await cycler.cycle());
      const losses = await acc.means();
      const bad = Object.entries(losses).find(([, v]) => !Number.isFinite(v));
      if (bad) throw new NonFiniteLossError(`${o.name}: epoch ${control.stopping.epoch + 1}: the '${bad[0]}' loss is ${bad[1]}`);
      const metric = await o.evaluate();
      const d = control.endEpoch(metric);
      const rec = { epoch: control.stopping.epoch, lr: optimizer.lr, metric, losses, action: d.action, seconds: (performance.now() - t0) / 1000 };
      history.push(rec);
      o.log?.(`${o.name}: epoch ${rec.epoch}, lr ${rec.lr.toPrecision(3)}, loss ${Object.entries(losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}, `
        + `validation ${metric.toFixed(4)} (${d.action}${d.reduced ? ', lr reduced' : ''}), ${rec.seconds.toFixed(1)} s`);
    }
  } finally {
    acc.dispose();
    control.finish();
    optimizer.dispose();
  }
  return {
    initial, best: control.stopping.best, bestEpoch: control.stopping.bestEpoch, epochs: control.stopping.epoch,
    restarts: control.stopping.round, lrReductions: control.scheduler.reductions, history,
  };
}
