/** `train`, `eval` and `finetune` commands. */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Engine } from '../engine.js';
import { loadTrainConfig, parseTrainConfig, scaleForAdapter, type TrainConfig } from '../train/config.js';
import { describeData, runTraining, type TrainOptions } from '../train/trainer.js';
import { writeReport } from '../train/report.js';
import { evaluate, type EvalResult } from '../train/evaluate.js';
import { loadCheckpoint } from '../train/checkpoint.js';
import { buildData, buildModel, evalTransform } from '../train/setup.js';
import { trainingBar } from './progress.js';

export interface TrainArgs {
  config?: string; out: string; resume?: boolean; epochs?: number; maxSteps?: number; progress: boolean; seed?: number;
  force?: boolean; acceptChanges?: boolean; resetOptimizer?: boolean;
}

/** SIGINT/SIGTERM abort with reason 128 + signal number; a second signal exits at once. Returns the remover. */
export function stopOnSignals(ctl: AbortController, log: (m: string) => void): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => {
    const code = sig === 'SIGINT' ? 130 : 143;
    const h = () => {
      if (ctl.signal.aborted) process.exit(code);
      log(`${sig}: finishing the step in flight and writing a checkpoint (send it again to quit at once)`);
      ctl.abort(code);
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => { for (const [sig, h] of handlers) process.off(sig, h); };
}

export function configFrom(args: { config?: string; epochs?: number; maxSteps?: number; seed?: number }): TrainConfig {
  const cfg = args.config ? loadTrainConfig(args.config) : parseTrainConfig({});
  if (args.epochs !== undefined) cfg.train.epochs = args.epochs;
  if (args.maxSteps !== undefined) cfg.train.maxSteps = args.maxSteps;
  if (args.seed !== undefined) cfg.seed = args.seed;
  // The overrides go through the same validation as the file (--epochs 0 is no run at all).
  return parseTrainConfig(cfg, 'command line');
}

export async function trainCommand(args: TrainArgs, extra: Partial<TrainOptions> = {}): Promise<void> {
  await trainWithConfig(configFrom(args), args, extra);
}

/**
 * The body of `train`/`finetune` for a config already built (the pipeline builds its stages' configs); `shared`
 * is an engine the caller owns and closes.
 */
export async function trainWithConfig(cfg: TrainConfig, args: TrainArgs, extra: Partial<TrainOptions> = {}, shared?: Engine): Promise<{ steps: number; final: EvalResult }> {
  const engine = shared ?? await Engine.create();
  const bar = trainingBar(args.progress);
  const ctl = new AbortController();
  const unhook = stopOnSignals(ctl, (m) => { bar.stop(); console.log(m); });
  try {
    const scaled = args.config || args.epochs !== undefined ? null : scaleForAdapter(cfg, engine.adapterName);
    console.log(`cortexgpu: ${engine.adapterName}; model ${cfg.model.preset}, data ${describeData(cfg)}, ${cfg.train.epochs} epochs, `
      + `batch ${cfg.train.batchSize}, ${cfg.train.optimizer} ${cfg.train.lr} → ${args.out}${scaled ? ` (${scaled})` : ''}`);
    const r = await runTraining(engine, cfg, {
      out: args.out, resume: args.resume, force: args.force, acceptChanges: args.acceptChanges, resetOptimizer: args.resetOptimizer,
      signal: ctl.signal, onProgress: bar.update,
      log: (m) => { bar.stop(); console.log(m); }, ...extra,
    });
    bar.stop();
    console.log(`done: ${r.steps} steps; val top-1 ${(100 * r.final.top1).toFixed(1)}%, top-5 ${(100 * r.final.top5).toFixed(1)}% `
      + `(${r.final.n} images); checkpoint ${r.checkpoint}, metrics ${join(args.out, 'metrics.jsonl')}, plot ${join(args.out, 'curves.svg')}`);
    r.model.dispose();
    return { steps: r.steps, final: r.final };
  } finally {
    unhook();
    bar.stop();
    if (!shared) engine.close();
  }
}

export async function evalCommand(args: { checkpoint: string; config?: string; out?: string }): Promise<void> {
  const cfg = configFrom(args);
  const engine = await Engine.create();
  try {
    const data = buildData(cfg);
    const model = buildModel(engine, cfg, data);
    await loadCheckpoint(args.checkpoint, model, null);
    const r = await evaluate(engine, model, data.val, evalTransform(data), cfg.train.batchSize);
    const out = args.out ?? join(dirname(args.checkpoint), 'eval');
    mkdirSync(out, { recursive: true });
    const report = writeReport({ out, command: `eval ${args.checkpoint}`, adapter: engine.adapterName, model: cfg.model.preset,
      data: describeData(cfg), final: r, val: data.val });
    console.log(JSON.stringify({ checkpoint: args.checkpoint, top1: r.top1, top5: r.top5, loss: r.loss, n: r.n, report: report.md }));
    model.dispose();
  } finally {
    engine.close();
  }
}
