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
import type { RunCheckpoint } from './loop-checkpoint.js';
import type { DataLoader } from '../data/loader.js';
import type { Rng } from '../random/rng.js';

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
  /** 'criterion': early stopping ended it (restarts used up); 'cap': it reached maxEpochs first. */
  stoppedBy: 'criterion' | 'cap';
  maxEpochs: number;
  history: EpochRecord[];
}

/** Where a loop checkpoints itself after every epoch, and resumes from (loop-checkpoint.ts). */
export interface LoopCheckpointing {
  store: RunCheckpoint;
  /** The phase's key in the store (unique within the run). */
  phase: string;
  /** The loaders feeding the tasks, by name: their positions are saved (the caller builds them at loaderStart()). */
  loaders: ReadonlyMap<string, DataLoader>;
  /** Trainable tensors outside the model (in `params`), by name. */
  extra?: ReadonlyMap<string, Tensor>;
  /** The model's random stream (dropout, readout sampling). */
  rng?: Rng;
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
  checkpoint?: LoopCheckpointing;
  /** Called after every epoch (progress files). */
  onEpoch?: (rec: EpochRecord) => void;
}

export async function trainLoop(engine: Engine, o: LoopOptions): Promise<LoopResult> {
  const r = o.recipe;
  const ck = o.checkpoint;
  const finished = ck?.store.done(ck.phase) as LoopResult | undefined;
  if (ck && finished) {
    // Finished before an interruption: its weights are in the store unless a later phase has replaced them.
    if (ck.store.holdsWeightsOf(ck.phase)) ck.store.loadModel(o.model);
    o.log?.(`${o.name}: finished before (${finished.epochs} epochs, best ${finished.best.toFixed(4)}), kept`);
    return finished;
  }
  const optimizer = buildOptimizer(r, o.params);
  const cycler = new BatchCycler(engine, optimizer, { main: o.main, others: o.others, ratio: o.ratio });
  const acc = new LossAccumulator(engine);
  const saved = ck?.store.progress(ck.phase);
  const initial = saved ? saved.initial : await o.evaluate();
  const maxEpochs = o.maxEpochs ?? r.maxEpochs;
  const control = new TrainingControl(o.model, r.lr, initial, {
    plateau: { ...r.plateau, mode: o.mode },
    stopping: { ...r.stopping, maxEpochs },
  });
  const parts = () => ({ model: o.model, optimizer, snapshot: control.snapshot, extra: ck?.extra ?? new Map() });
  const history: EpochRecord[] = saved ? [...saved.history as EpochRecord[]] : [];
  if (ck && saved) {
    await ck.store.restore(parts());
    control.load(saved.control);
    cycler.load(saved.cycler);
    if (ck.rng && saved.rng !== null) ck.rng.counter = saved.rng;
    o.log?.(`${o.name}: resumed after epoch ${control.stopping.epoch} from ${ck.store.path}`);
  } else {
    o.log?.(`${o.name}: start, validation ${initial.toFixed(4)}`);
  }
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
      // Saved (checkpoint, then progress record) before the epoch is reported, so whoever sees the line can count on both.
      if (ck && !control.done) {
        await ck.store.saveProgress(ck.phase, parts(), {
          initial, history, control: control.state(), cycler: cycler.state(), rng: ck.rng?.counter ?? null,
          loaders: Object.fromEntries([...ck.loaders].map(([k, l]) => [k, l.position])),
        });
      }
      o.onEpoch?.(rec);
      o.log?.(`${o.name}: epoch ${rec.epoch}/${maxEpochs}, lr ${rec.lr.toPrecision(3)}, loss ${Object.entries(losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}, `
        + `validation ${metric.toFixed(4)} (${d.action}${d.reduced ? ', lr reduced' : ''}), ${rec.seconds.toFixed(1)} s`);
    }
  } finally {
    acc.dispose();
    control.finish();
    optimizer.dispose();
  }
  const result: LoopResult = {
    initial, best: control.stopping.best, bestEpoch: control.stopping.bestEpoch, epochs: control.stopping.epoch,
    restarts: control.stopping.round, lrReductions: control.scheduler.reductions,
    stoppedBy: control.stopping.byCriterion ? 'criterion' : 'cap', maxEpochs, history,
  };
  if (ck) await ck.store.saveDone(ck.phase, o.model, result as unknown as Record<string, unknown>);
  return result;
}
