/**
 * The classification training loop (GRCNN paper recipe): SGD/Adam with schedules, label smoothing, CutMix,
 * AugMix + JSD, the superclass loss, block-wise freezing, checkpoints with exact resume, metrics and curves.
 *
 * A step reads nothing back: losses accumulate on the GPU and are read every `logEvery` steps (one wait), which is
 * also where non-finite losses are caught. A checkpoint is written only right after such a check, so the last
 * checkpoint on disk always holds a finite state.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { CortexError } from '../gpu/errors.js';
import { DataLoader } from '../data/loader.js';
import { cutmixBatch } from '../data/cutmix.js';
import { classToSuperclass } from '../data/superclasses.js';
import { RngStream } from '../util/rng-stream.js';
import type { GRCNN } from '../models/grcnn.js';
import type { TrainConfig } from './config.js';
import { LrSchedule } from './schedule.js';
import { TrainStep } from './step.js';
import { loadCheckpoint, NonFiniteStateError, saveCheckpoint, saveWeights, type RunState } from './checkpoint.js';
import { MetricsLog } from './metrics-log.js';
import { writeCurves, writeReport } from './report.js';
import { evaluate, type EvalResult } from './evaluate.js';
import { buildData, buildModel, buildOptimizer, evalTransform, trainTransform } from './setup.js';

export class NonFiniteLossError extends CortexError {}

export interface Progress { step: number; totalSteps: number; epoch: number; loss: number; lr: number; imagesPerSec: number }

export interface TrainOptions {
  /** Run folder: checkpoint.safetensors, weights.safetensors, metrics.jsonl, curves.svg, config.json. */
  out: string;
  resume?: boolean;
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
  mkdirSync(opts.out, { recursive: true });
  const ckptPath = join(opts.out, 'checkpoint.safetensors');
  const metrics = new MetricsLog(join(opts.out, 'metrics.jsonl'));
  const data = buildData(cfg);
  const model = buildModel(engine, cfg, data);
  try {
    if (opts.init) await loadCheckpoint(opts.init, model, null);
    if (opts.trainable?.length) log(`trainable: ${model.freezeAllBut(opts.trainable).length} tensors under ${opts.trainable.join(', ')}`);
    const optimizer = buildOptimizer(cfg, model.trainableParameters());
    const t = cfg.train;
    const schedule = new LrSchedule(t.lr, t.schedule.kind === 'cosine' ? { ...t.schedule, epochs: t.schedule.epochs ?? t.epochs } : t.schedule);
    const rng = new RngStream(cfg.seed);
    let state: RunState = { step: 0, epoch: 0, loader: { epoch: 0, position: 0 }, rng: rng.state(), schedule: schedule.state() };
    if (opts.resume && existsSync(ckptPath)) {
      state = await loadCheckpoint(ckptPath, model, optimizer);
      schedule.load(state.schedule as ReturnType<LrSchedule['state']>);
      rng.counter = state.rng.counter;
      metrics.truncateAfter(state.step);
      log(`resumed from ${ckptPath} at step ${state.step} (epoch ${state.loader.epoch}, position ${state.loader.position})`);
    } else {
      writeFileSync(metrics.path, '');
    }
    writeFileSync(join(opts.out, 'config.json'), JSON.stringify(cfg, null, 2) + '\n');
    const superOf = t.superclass && data.superclasses ? classToSuperclass(data.superclasses, data.train.numClasses) : null;
    const loader = new DataLoader(data.train, {
      batchSize: t.batchSize, seed: cfg.seed, dropLast: true, skipCorrupt: t.skipCorrupt, start: state.loader,
      transform: await trainTransform(engine, cfg, data),
      batchTransform: t.cutmix ? cutmixBatch(data.train.numClasses, t.cutmix) : undefined,
    });
    const perEpoch = loader.batchesPerEpoch;
    const totalSteps = Math.min(t.epochs * perEpoch, t.maxSteps ?? Infinity);
    let step = state.step;
    const trainStep = new TrainStep(engine, model, optimizer, cfg, superOf && t.superclass ? { superOf, k: data.superclasses!.names.length } : null, t.replay);
    let pending = 0;
    let lastLog = performance.now();
    let imagesSinceLog = 0;
    let lastGood = state.step;

    const checkLoss = async (epoch: number, lr: number): Promise<void> => {
      if (pending === 0) return;
      const value = await trainStep.takeMean();
      if (!Number.isFinite(value)) {
        const bad = await firstNonFinite(model.namedParameters());
        throw new NonFiniteLossError(`step ${step}: training loss is ${value}${bad ? `; parameter '${bad}' holds non-finite values` : ''}; `
          + `the last good checkpoint (step ${lastGood}) is kept at ${ckptPath}`);
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
        throw new NonFiniteLossError(`step ${step}: the model diverged (${e.message}); the last good checkpoint (step ${lastGood}) is kept`);
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
        const endOfEpoch = b.lastInEpoch || step === totalSteps;
        const wantCkpt = step % t.checkpointEvery === 0 || endOfEpoch;
        if (step % t.logEvery === 0 || wantCkpt) await checkLoss(b.epoch, lr);
        if (endOfEpoch) {
          const ev = await evaluate(engine, model, data.val, evalTransform(data), t.batchSize);
          schedule.observe(ev.top1);
          metrics.append({ step, epoch: b.epoch, valTop1: ev.top1, valTop5: ev.top5, valLoss: ev.loss });
          log(`epoch ${b.epoch + 1}: val top-1 ${(100 * ev.top1).toFixed(1)}%, top-5 ${(100 * ev.top5).toFixed(1)}%, loss ${ev.loss.toFixed(4)}`);
          writeCurves(opts.out, metrics);
        }
        if (wantCkpt) await checkpoint(b.epoch);
      }
    } finally {
      trainStep.dispose();
      await loader.close();
      optimizer.dispose();
    }
    const final = await evaluate(engine, model, data.val, evalTransform(data), t.batchSize);
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
  }
}

async function firstNonFinite(params: [string, Tensor][]): Promise<string | null> {
  for (const [name, p] of params) {
    const v = await p.read();
    if (v.some((x) => !Number.isFinite(x))) return name;
  }
  return null;
}

/** One line naming the data a config trains on (for the report). */
export function describeData(cfg: TrainConfig): string {
  const d = cfg.data;
  if (d.kind !== 'synth-objects-64') return d.kind;
  const rms = d.rms ? `, texture RMS ${d.rms[0]}–${d.rms[1]}` : '';
  return `synth-objects (${d.profile}${d.perClass ? `, ${d.perClass}/class` : ''}, ${d.imageSize} px${rms})`;
}
