/**
 * The classification training loop (GRCNN paper recipe): SGD/Adam with schedules, label smoothing, CutMix,
 * AugMix + JSD, the superclass loss, block-wise freezing, checkpoints with exact resume, metrics and curves.
 *
 * A step reads nothing back: losses accumulate on the GPU and are read every `logEvery` steps (one wait), which is
 * also where non-finite losses are caught. A checkpoint is written only right after such a check, so the last
 * checkpoint on disk always holds a finite state.
 */
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import { NonFiniteLossError, StoppedError } from '../errors.js';
import { writeFileAtomic } from '../io/fs.js';
import { DataLoader } from '../data/loader.js';
import { cutmixBatch } from '../data/cutmix.js';
import type { SampleTransform } from '../data/loader.js';
import { Rng } from '../random/rng.js';
import type { GRCNN } from '../models/grcnn.js';
import type { TrainConfig } from './config.js';
import { LrSchedule } from './schedule.js';
import type { PlateauState } from './early-stopping.js';
import { TrainStep, type SuperclassMap } from './step.js';
import { loadCheckpoint, NonFiniteStateError, saveCheckpoint, saveWeights, type RunState } from './checkpoint.js';
import { MetricsLog } from './metrics-log.js';
import { writeCurves, writeReport } from './report.js';
import { evaluate, firstNonFinite, type EvalResult } from './evaluate.js';
import { openRunFolder } from './run-folder.js';
import { buildData, buildModel, evalTransform, superclassMap, trainTransform } from './setup.js';
import { buildOptimizer } from './recipe.js';

export interface Progress { step: number; totalSteps: number; epoch: number; loss: number; lr: number; imagesPerSec: number }

export interface TrainOptions {
  /** Run folder: checkpoint.safetensors, weights.safetensors, metrics.jsonl, curves.svg, config.json. */
  out: string;
  resume?: boolean;
  /** Replace a run already in `out` (otherwise refused). */
  force?: boolean;
  /** Resume although the config differs from the run's config.json (the changed fields are logged). */
  acceptChanges?: boolean;
  /** Resume with fresh optimiser moments when the checkpoint's optimiser state is missing or partial. */
  resetOptimizer?: boolean;
  /** Aborting it stops after the step in flight: a checkpoint is written, then StoppedError (exit code = the reason, a number). */
  signal?: AbortSignal;
  /** Start from this checkpoint's model weights (fine-tuning); the optimiser and counters start afresh. */
  init?: string;
  /** Train only parameters under these name prefixes (e.g. ['layer1']); the rest is frozen. */
  trainable?: string[];
  onProgress?: (p: Progress) => void;
  log?: (msg: string) => void;
}

export interface TrainResult {
  steps: number; final: EvalResult; checkpoint: string; model: GRCNN;
  /** Steps run eagerly, captured and replayed (TrainStep). */
  replayStats: { eager: number; captured: number; replayed: number };
}

export async function runTraining(engine: Engine, cfg: TrainConfig, opts: TrainOptions): Promise<TrainResult> {
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const folder = openRunFolder(opts.out, cfg, opts);
  if (folder.sweptTemps.length) log(`removed temp files left by an interrupted write: ${folder.sweptTemps.join(', ')}`);
  if (folder.changed.length) log(`resuming with changed settings: ${folder.changed.join('; ')}`);
  const ckptPath = join(opts.out, 'checkpoint.safetensors');
  const metrics = new MetricsLog(join(opts.out, 'metrics.jsonl'));
  let data: ReturnType<typeof buildData>;
  let model: GRCNN;
  let superclasses: SuperclassMap | null;
  let evalT: SampleTransform;
  try {
    data = buildData(cfg);
    // Config errors that need the data (superclass map, eval crop) stop the run before anything is written.
    superclasses = superclassMap(cfg, data);
    evalT = evalTransform(data);
    model = buildModel(engine, cfg, data);
  } catch (e) {
    folder.release();
    throw e;
  }
  try {
    if (opts.init) await loadCheckpoint(opts.init, model, null);
    if (opts.trainable?.length) log(`trainable: ${model.freezeAllBut(opts.trainable).length} tensors under ${opts.trainable.join(', ')}`);
    const optimizer = buildOptimizer(cfg.train, model.trainableParameters());
    const t = cfg.train;
    const schedule = new LrSchedule(t.lr, t.schedule.kind === 'cosine' ? { ...t.schedule, epochs: t.schedule.epochs ?? t.epochs } : t.schedule);
    const rng = new Rng(cfg.seed);
    let state: RunState = { step: 0, epoch: 0, loader: { epoch: 0, position: 0 }, rng: rng.state(), schedule: schedule.state() };
    if (opts.resume) {
      state = await loadCheckpoint(ckptPath, model, optimizer, { resetOptimizer: opts.resetOptimizer });
      schedule.load(state.schedule as PlateauState);
      rng.counter = state.rng.counter;
      metrics.truncateAfter(state.step);
      log(`resumed from ${ckptPath} at step ${state.step} (epoch ${state.loader.epoch}, position ${state.loader.position})`);
    } else {
      writeFileAtomic(metrics.path, new Uint8Array());
    }
    writeFileAtomic(join(opts.out, 'config.json'), Buffer.from(JSON.stringify(cfg, null, 2) + '\n'));
    const loader = new DataLoader(data.train, {
      batchSize: t.batchSize, seed: cfg.seed, dropLast: true, skipCorrupt: t.skipCorrupt, start: state.loader,
      transform: await trainTransform(engine, cfg, data),
      batchTransform: t.cutmix ? cutmixBatch(data.train.numClasses, t.cutmix) : undefined,
    });
    const perEpoch = loader.batchesPerEpoch;
    let totalSteps = Math.min(t.epochs * perEpoch, t.maxSteps ?? Infinity);
    let step = state.step;
    const trainStep = new TrainStep(engine, model, optimizer, cfg, superclasses, t.replay);
    let pending = 0;
    let lastLog = performance.now();
    let imagesSinceLog = 0;
    let lastGood: number | null = opts.resume ? state.step : null;
    const kept = () => (lastGood === null ? 'no checkpoint had been written yet, so nothing is saved'
      : `the last good checkpoint (step ${lastGood}) is kept at ${ckptPath}`);
    const skipped: string[] = [];

    const checkLoss = async (epoch: number, lr: number): Promise<void> => {
      if (pending === 0) return;
      const value = await trainStep.takeMean();
      if (!Number.isFinite(value)) {
        const bad = await firstNonFinite(model.namedParameters());
        throw new NonFiniteLossError(`step ${step}: training loss is ${value}${bad ? `; parameter '${bad}' holds non-finite values` : ''}; `
          + kept());
      }
      const now = performance.now();
      const ips = (imagesSinceLog * 1000) / Math.max(now - lastLog, 1);
      metrics.append({ step, epoch, loss: value, lr, imagesPerSec: ips });
      opts.onProgress?.({ step, totalSteps, epoch, loss: value, lr, imagesPerSec: ips });
      lastLog = now; imagesSinceLog = 0; pending = 0;
    };
    const checkpoint = async (epoch: number) => {
      try {
        await saveCheckpoint(ckptPath, model, optimizer, {
          step, epoch, loader: loader.position, rng: rng.state(), schedule: schedule.state(),
        });
      } catch (e) {
        if (!(e instanceof NonFiniteStateError)) throw e;
        throw new NonFiniteLossError(`step ${step}: the model diverged (${e.message}); ${kept()}`);
      }
      lastGood = step;
    };

    try {
      while (step < totalSteps) {
        const b = await loader.next();
        const lr = schedule.at(b.epoch);
        optimizer.lr = lr;
        trainStep.run(b);
        pending++;
        step++;
        imagesSinceLog += b.labels.length;
        skipped.push(...b.skipped);
        // Skipped corrupt images leave an epoch short of batchesPerEpoch: the last epoch's end is the end.
        if (b.lastInEpoch && b.epoch + 1 >= t.epochs) totalSteps = Math.min(totalSteps, step);
        const stopping = opts.signal?.aborted === true;
        const endOfEpoch = b.lastInEpoch || step === totalSteps;
        const wantCkpt = step % t.checkpointEvery === 0 || endOfEpoch || stopping;
        if (step % t.logEvery === 0 || wantCkpt) await checkLoss(b.epoch, lr);
        if (endOfEpoch) {
          const ev = await evaluate(engine, model, data.val, evalT, t.batchSize);
          schedule.observe(ev.top1);
          metrics.append({ step, epoch: b.epoch, valTop1: ev.top1, valTop5: ev.top5, valLoss: ev.loss });
          if (skipped.length) {
            log(`epoch ${b.epoch + 1}: skipped ${skipped.length} corrupt image(s): ${[...new Set(skipped)].join(', ')}`);
            metrics.append({ step, epoch: b.epoch, skippedCorrupt: skipped.length });
            skipped.length = 0;
          }
          log(`epoch ${b.epoch + 1}: val top-1 ${(100 * ev.top1).toFixed(1)}%, top-5 ${(100 * ev.top5).toFixed(1)}%, loss ${ev.loss.toFixed(4)}`);
          writeCurves(opts.out, metrics);
        }
        if (wantCkpt) await checkpoint(b.epoch);
        if (stopping) throw StoppedError.atStep(step, opts.signal!);
      }
    } finally {
      trainStep.dispose();
      await loader.close();
      optimizer.dispose();
    }
    const final = await evaluate(engine, model, data.val, evalT, t.batchSize);
    await saveWeights(join(opts.out, 'weights.safetensors'), model, { model: cfg.model.preset });
    const replayStats = { ...trainStep.counts };
    const report = writeReport({
      out: opts.out, command: opts.trainable?.length ? `finetune (${opts.trainable.join(', ')})` : 'train', adapter: engine.adapterName,
      model: cfg.model.preset, data: describeData(cfg), final, val: data.val, metrics, steps: step,
      wallSeconds: (performance.now() - started) / 1000, replay: replayStats,
    });
    log(`report: ${report.md}, ${report.html}`);
    return { steps: step, final, checkpoint: ckptPath, model, replayStats };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    folder.release();
  }
}


/** One line naming the data a config trains on (for the report). */
export function describeData(cfg: TrainConfig): string {
  const d = cfg.data;
  if (d.kind !== 'synth-objects-64') return d.kind;
  const rms = d.rms ? `, texture RMS ${d.rms[0]}–${d.rms[1]}` : '';
  return `synth-objects (${d.profile}${d.perClass ? `, ${d.perClass}/class` : ''}, ${d.imageSize} px${rms})`;
}
