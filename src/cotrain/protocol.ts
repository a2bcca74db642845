/**
 * The whole co-training protocol on built-in data: every run of runs.ts for every seed, each classifier evaluated on
 * the clean test split and on every corruption × severity (robustness.ts), neural predictivity (single-trial
 * correlation, FEVe) on sim-v1's test repeats for every model with a readout, then the report (report.ts).
 * The data are built once (they do not depend on the model seed); models are freed as soon as they are measured.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import type { MtlVgg } from '../models/mtl.js';
import type { CotrainConfig } from './config.js';
import { seedsOf } from './config.js';
import { buildClassification, buildNeural, imageSetDataset, type ClassificationData, type NeuralData, type ResponseSet } from './data.js';
import { neuralTestScore, StandardizedClassifier } from './model.js';
import { evaluateRobustness } from './robustness.js';
import { writeReport } from './report.js';
import type { ProtocolResults, RunSeedResult } from './results.js';
import {
  fitOracleReadout, labelTrainingImages, shuffleForControl, trainBaseline, trainMonkeyPredictor, trainMtl, trainOracle,
  type RunContext, type Trained,
} from './runs.js';
import type { LoopResult } from '../train/train-loop.js';

/** The classification runs in the report, in its order; Monkey-Predictor (neural only) goes to `meta`. */
export const REPORTED_RUNS = ['Baseline', 'MTL-Monkey', 'MTL-Shuffled', 'MTL-Oracle', 'Oracle'] as const;

export interface RunDetail { seed: number; seconds: number; loops: Record<string, LoopResult>; extra?: Record<string, unknown> }

/** Everything measured, for protocol.json: the results plus per-run training histories and timings. */
export interface ProtocolDetails {
  config: CotrainConfig;
  adapter: string;
  seconds: { data: number; total: number };
  runs: Record<string, RunDetail[]>;
  predictor: { seed: number; corr: number; fevE: number }[];
}

export interface ProtocolOptions {
  log?: (msg: string) => void;
}

export interface ProtocolOutput { results: ProtocolResults; details: ProtocolDetails }

const mean = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;

export async function runProtocol(engine: Engine, config: CotrainConfig, opts: ProtocolOptions = {}): Promise<ProtocolOutput> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const cls = buildClassification(config);
  const neural = buildNeural(config);
  const dataSeconds = (performance.now() - t0) / 1000;
  log(`data: synth-objects ${cls.size} px (${cls.train.count}/${cls.val.count}/${cls.test.count}), sim-v1 ${neural.sim.imageTypes.length} images × `
    + `${neural.sim.neurons.length} neurons (${neural.sessions.length} sessions), ${dataSeconds.toFixed(1)} s`);
  const runs: Record<string, RunSeedResult[]> = Object.fromEntries(REPORTED_RUNS.map((r) => [r, []]));
  const details: ProtocolDetails = {
    config, adapter: engine.adapterName, seconds: { data: dataSeconds, total: 0 },
    runs: Object.fromEntries(['Monkey-Predictor', ...REPORTED_RUNS].map((r) => [r, []])), predictor: [],
  };
  for (const seed of seedsOf(config)) {
    const ctx: RunContext = { engine, config, cls, neural, seed, log };
    await runSeed(ctx, runs, details);
  }
  details.seconds.total = (performance.now() - t0) / 1000;
  const results: ProtocolResults = { baseline: 'Baseline', runs, meta: metaOf(config, cls, neural, details) };
  return { results, details };
}

/** Times `train`, measures the model, records the detail, frees the model (unless `keep`). */
async function timed(ctx: RunContext, details: ProtocolDetails, name: string, train: () => Promise<Trained>,
  measure: (m: MtlVgg) => Promise<void>, keep = false): Promise<MtlVgg | null> {
  const t = performance.now();
  const trained = await train();
  try {
    await measure(trained.model);
    details.runs[name].push({ seed: ctx.seed, seconds: (performance.now() - t) / 1000, loops: trained.loops, extra: trained.extra });
    ctx.log(`[seed ${ctx.seed}] ${name}: done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } catch (e) {
    trained.model.dispose();
    throw e;
  }
  if (keep) return trained.model;
  trained.model.dispose();
  return null;
}

async function runSeed(ctx: RunContext, runs: Record<string, RunSeedResult[]>, details: ProtocolDetails): Promise<void> {
  const { engine, config: c, cls, neural, seed } = ctx;
  const robust = async (m: MtlVgg) => evaluateRobustness(engine, new StandardizedClassifier(m, cls.mean, cls.std),
    imageSetDataset(cls.test, cls.numClasses, cls.classNames),
    { corruptions: c.robustness.corruptions, severities: c.robustness.severities, table: c.robustness.table, seed: c.robustness.seed, batchSize: c.evalBatchSize });
  const record = async (name: string, m: MtlVgg, withNeural: boolean) => {
    const r = await robust(m);
    const entry: RunSeedResult = { seed, clean: r.clean, acc: r.acc };
    if (withNeural) entry.neural = await neuralTestScore(m, neural, c.evalBatchSize);
    runs[name].push(entry);
    ctx.log(`[seed ${seed}] ${name}: clean ${(100 * r.clean).toFixed(1)}%, corrupted ${(100 * meanCorrupted(r.acc)).toFixed(1)}%`
      + (entry.neural ? `, test corr ${entry.neural.corr.toFixed(3)}, FEVe ${entry.neural.fevE.toFixed(3)}` : ''));
  };

  await timed(ctx, details, 'Baseline', () => trainBaseline(ctx), (m) => record('Baseline', m, false));

  const predictor = await timed(ctx, details, 'Monkey-Predictor', () => trainMonkeyPredictor(ctx), async (m) => {
    const s = await neuralTestScore(m, neural, c.evalBatchSize);
    details.predictor.push({ seed, ...s });
    ctx.log(`[seed ${seed}] Monkey-Predictor: test corr ${s.corr.toFixed(3)}, FEVe ${s.fevE.toFixed(3)}`);
  }, true);
  let monkey: ResponseSet;
  try {
    monkey = await labelTrainingImages(ctx, predictor!);
  } finally {
    predictor!.dispose();
  }
  await timed(ctx, details, 'MTL-Monkey', () => trainMtl(ctx, 'MTL-Monkey', monkey), (m) => record('MTL-Monkey', m, true));
  await timed(ctx, details, 'MTL-Shuffled', () => trainMtl(ctx, 'MTL-Shuffled', shuffleForControl(ctx, monkey)), (m) => record('MTL-Shuffled', m, true));

  const fitted: { readout?: LoopResult } = {};
  const oracle = await timed(ctx, details, 'Oracle', () => trainOracle(ctx), async (m) => {
    await record('Oracle', m, false);
    // The readout that labels images for MTL-Oracle also gives the Oracle its neural scores.
    fitted.readout = await fitOracleReadout(ctx, m);
    runs.Oracle.at(-1)!.neural = await neuralTestScore(m, neural, c.evalBatchSize);
  }, true);
  let oracleSet: ResponseSet;
  try {
    if (fitted.readout) details.runs.Oracle.at(-1)!.loops.readout = fitted.readout;
    oracleSet = await labelTrainingImages(ctx, oracle!);
  } finally {
    oracle!.dispose();
  }
  await timed(ctx, details, 'MTL-Oracle', () => trainMtl(ctx, 'MTL-Oracle', oracleSet), (m) => record('MTL-Oracle', m, true));
}

function meanCorrupted(acc: Record<string, number[]>): number {
  return mean(Object.values(acc).map(mean));
}

/** Short facts for the report's header (the report prints each as one line). */
function metaOf(c: CotrainConfig, cls: ClassificationData, neural: NeuralData, d: ProtocolDetails): Record<string, unknown> {
  const p = d.predictor;
  const fmt = (x: number[]) => `${mean(x).toFixed(3)} (seeds: ${x.map((v) => v.toFixed(3)).join(', ')})`;
  return {
    profile: c.profile,
    seeds: seedsOf(c).join(', '),
    data: `synth-objects ${cls.size}×${cls.size} gray, ${cls.numClasses} classes, ${cls.train.count}/${cls.val.count}/${cls.test.count} train/val/test; `
      + `sim-v1 ${neural.sim.imageTypes.length} images (${c.neural.stimuli}), ${neural.sim.neurons.length} neurons in ${neural.sessions.length} sessions, `
      + `${neural.train.length}/${neural.val.length}/${neural.test.length} train/val/test images`,
    model: `VGG (torchvision cfg ${c.model.cfg}) with BN at 1/${c.model.widthDivisor} width, conv head ${c.model.headWidth}; shared block through relu3_1`,
    corruptions: `${c.robustness.corruptions.length} corruptions × severities ${c.robustness.severities.join(',')}, table ${c.robustness.table}, `
      + 'on the GPU (frost procedural, non-canonical)',
    'Monkey-Predictor (neural only)': p.length ? `test corr ${fmt(p.map((x) => x.corr))}; FEVe ${fmt(p.map((x) => x.fevE))}` : 'not run',
    'wall time': `${d.seconds.total.toFixed(0)} s on ${d.adapter}`,
  };
}

/** Runs the protocol and writes results.json, protocol.json and the report (report.md, report.json, SVG) into `out`. */
export async function runCotrain(engine: Engine, config: CotrainConfig, out: string, opts: ProtocolOptions = {}):
  Promise<ProtocolOutput & { report: { markdown: string; files: string[] } }> {
  const r = await runProtocol(engine, config, opts);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), JSON.stringify(r.results, null, 1) + '\n');
  writeFileSync(join(out, 'protocol.json'), JSON.stringify(r.details, null, 1) + '\n');
  const report = writeReport(out, r.results);
  return { ...r, report };
}
