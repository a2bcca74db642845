/**
 * The whole co-training protocol (built-in data by default, real sets through sources.ts): every run of runs.ts for
 * every seed, each classifier evaluated on the clean test split and on every corruption × severity (robustness.ts),
 * neural predictivity (single-trial correlation, FEVe) on the neural set's held-out test repeats for every model with
 * a readout, then the report (report.ts). The data are built once (they do not depend on the model seed); models are
 * freed as soon as they are measured. Every run writes its record, weights and epoch checkpoints into the protocol
 * folder as it goes (run-store.ts), so a resumed protocol skips what finished and continues what was interrupted.
 */
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import type { MtlVgg } from '../models/mtl.js';
import type { CotrainConfig } from './config.js';
import { seedsOf } from './config.js';
import { buildClassification, buildNeural, imageSetDataset, type ClassificationData, type NeuralData, type ResponseSet } from './data.js';
import { buildModel, neuralTestScore, StandardizedClassifier } from './model.js';
import { evaluateRobustness } from './robustness.js';
import { writeReport } from './report.js';
import type { ProtocolResults, RunSeedResult } from './results.js';
import {
  fitOracleReadout, labelTrainingImages, RUN_NAMES, shuffleForControl, trainBaseline, trainMonkeyPredictor, trainMtl, trainOracle,
  type RunContext, type RunName, type Trained,
} from './runs.js';
import type { LoopResult } from '../train/train-loop.js';
import { writeFileAtomic } from '../io/fs.js';
import { ProtocolFolder, type SavedRun } from './run-store.js';

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
  /** Continue the protocol in `out` (finished runs are kept, the interrupted one continues from its checkpoint). */
  resume?: boolean;
  /** Replace a protocol already in `out`. */
  force?: boolean;
  /** With resume: accept a configuration that differs from out/config.json. */
  acceptChanges?: boolean;
}

export interface ProtocolOutput { results: ProtocolResults; details: ProtocolDetails }

const mean = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;

/** The six runs × seeds in `folder`, each finished run's record written as soon as it is measured. */
export async function runProtocol(engine: Engine, config: CotrainConfig, folder: ProtocolFolder, opts: ProtocolOptions = {}): Promise<ProtocolOutput> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const cls = buildClassification(config);
  const neural = buildNeural(config);
  const dataSeconds = (performance.now() - t0) / 1000;
  log(`data: ${cls.describe} (${cls.train.count}/${cls.val.count}/${cls.test.count}), ${neural.describe} `
    + `(${neural.sessions.length} sessions), ${dataSeconds.toFixed(1)} s`);
  const runs: Record<string, RunSeedResult[]> = Object.fromEntries(REPORTED_RUNS.map((r) => [r, []]));
  const details: ProtocolDetails = {
    config, adapter: engine.adapterName, seconds: { data: dataSeconds, total: 0 },
    runs: Object.fromEntries(['Monkey-Predictor', ...REPORTED_RUNS].map((r) => [r, []])), predictor: [],
  };
  const saved: SavedRun[] = [];
  const seeds = seedsOf(config);
  for (const [i, seed] of seeds.entries()) {
    const ctx: RunContext = { engine, config, cls, neural, seed, log };
    const units = await runSeed(ctx, folder, i * RUN_NAMES.length, seeds.length * RUN_NAMES.length);
    for (const u of units) {
      saved.push(u);
      details.runs[u.run].push({ seed: u.seed, seconds: u.seconds, loops: u.loops, extra: u.extra });
      if (u.result) runs[u.run].push(u.result);
      if (u.predictor) details.predictor.push({ seed: u.seed, ...u.predictor });
    }
  }
  details.seconds.total = (performance.now() - t0) / 1000;
  const results: ProtocolResults = { baseline: 'Baseline', runs, meta: metaOf(config, cls, neural, details, saved) };
  return { results, details };
}

type Measure = (m: MtlVgg, ctx: RunContext) => Promise<Pick<SavedRun, 'result' | 'predictor'> & { loops?: Record<string, LoopResult> }>;

/**
 * Run `name` of one seed, unless it finished before: trains (continuing its checkpoint), measures, writes its
 * weights and result. Returns the record and, with `keep`, the model (loaded from its weights when it had finished).
 */
async function unit(ctx: RunContext, folder: ProtocolFolder, name: RunName, index: number, total: number, train: (ctx: RunContext) => Promise<Trained>,
  measure: Measure, keep: MtlVgg | null = null): Promise<{ saved: SavedRun; model: MtlVgg | null }> {
  const { seed } = ctx;
  const before = folder.finished(name, seed);
  if (before) {
    ctx.log(`[seed ${seed}] ${name} (run ${index + 1}/${total}): finished before, kept (${before.weights})`);
    if (keep) folder.loadWeights(name, seed, keep);
    else return { saved: before, model: null };
    return { saved: before, model: keep };
  }
  keep?.dispose();
  ctx.log(`[seed ${seed}] ${name} (run ${index + 1}/${total})`);
  const store = folder.checkpoint(name, seed);
  const rctx: RunContext = { ...ctx, store, onEpoch: (phase, rec) => folder.progress({ run: name, seed, phase, ...rec }) };
  const t = performance.now();
  const trained = await train(rctx);
  try {
    const m = await measure(trained.model, rctx);
    const seconds = (performance.now() - t) / 1000;
    const saved = await folder.finish({ run: name, seed, seconds, loops: { ...trained.loops, ...m.loops }, extra: trained.extra, result: m.result, predictor: m.predictor },
      trained.model, store, { mean: ctx.cls.mean, std: ctx.cls.std, size: ctx.cls.size });
    ctx.log(`[seed ${seed}] ${name}: done in ${seconds.toFixed(1)} s; weights ${saved.weights}`);
    if (keep === null) trained.model.dispose();
    return { saved, model: keep === null ? null : trained.model };
  } catch (e) {
    trained.model.dispose();
    throw e;
  }
}

async function runSeed(ctx: RunContext, folder: ProtocolFolder, first: number, total: number): Promise<SavedRun[]> {
  const { engine, config: c, cls, neural, seed } = ctx;
  const robust = async (m: MtlVgg) => evaluateRobustness(engine, new StandardizedClassifier(m, cls.mean, cls.std),
    imageSetDataset(cls.test, cls.numClasses, cls.classNames),
    { corruptions: c.robustness.corruptions, severities: c.robustness.severities, table: c.robustness.table, seed: c.robustness.seed, batchSize: c.evalBatchSize });
  const record = (name: string, withNeural: boolean): Measure => async (m) => {
    const r = await robust(m);
    const entry: RunSeedResult = { seed, clean: r.clean, acc: r.acc };
    if (withNeural) entry.neural = await neuralTestScore(m, neural, c.evalBatchSize);
    ctx.log(`[seed ${seed}] ${name}: clean ${(100 * r.clean).toFixed(1)}%, corrupted ${(100 * meanCorrupted(r.acc)).toFixed(1)}%`
      + (entry.neural ? `, test corr ${entry.neural.corr.toFixed(3)}, FEVe ${entry.neural.fevE.toFixed(3)}` : ''));
    return { result: entry };
  };
  const out: SavedRun[] = [];
  let i = first;
  const step = async (name: RunName, train: (ctx: RunContext) => Promise<Trained>, measure: Measure, keep: MtlVgg | null = null) => {
    const u = await unit(ctx, folder, name, i++, total, train, measure, keep);
    out.push(u.saved);
    return u.model;
  };
  const mtlDone = (run: RunName) => folder.finished(run, seed) !== null;

  await step('Baseline', trainBaseline, record('Baseline', false));
  // The predictor's responses label the MTL images: it stays (or is reloaded) only while an MTL run still needs it.
  const needPredictor = !mtlDone('MTL-Monkey') || !mtlDone('MTL-Shuffled');
  const predictor = await step('Monkey-Predictor', trainMonkeyPredictor, async (m) => {
    const s = await neuralTestScore(m, neural, c.evalBatchSize);
    ctx.log(`[seed ${seed}] Monkey-Predictor: test corr ${s.corr.toFixed(3)}, FEVe ${s.fevE.toFixed(3)}`);
    return { predictor: s };
  }, needPredictor ? buildModel(engine, c, neural, cls.numClasses, seed, false) : null);
  let monkey: ResponseSet | null = null;
  try {
    if (predictor) monkey = await labelTrainingImages(ctx, predictor);
  } finally {
    predictor?.dispose();
  }
  await step('MTL-Monkey', (r) => trainMtl(r, 'MTL-Monkey', monkey!), record('MTL-Monkey', true));
  await step('MTL-Shuffled', (r) => trainMtl(r, 'MTL-Shuffled', shuffleForControl(r, monkey!)), record('MTL-Shuffled', true));

  const oracle = await step('Oracle', trainOracle, async (m, rctx) => {
    const rec = await record('Oracle', false)(m, rctx);
    // The readout that labels images for MTL-Oracle also gives the Oracle its neural scores.
    const readout = await fitOracleReadout(rctx, m);
    rec.result!.neural = await neuralTestScore(m, neural, c.evalBatchSize);
    return { ...rec, loops: { readout } };
  }, mtlDone('MTL-Oracle') ? null : buildModel(engine, c, neural, cls.numClasses, seed));
  let oracleSet: ResponseSet | null = null;
  try {
    if (oracle) oracleSet = await labelTrainingImages(ctx, oracle);
  } finally {
    oracle?.dispose();
  }
  await step('MTL-Oracle', (r) => trainMtl(r, 'MTL-Oracle', oracleSet!), record('MTL-Oracle', true));
  return out;
}

function meanCorrupted(acc: Record<string, number[]>): number {
  return mean(Object.values(acc).map(mean));
}

/** Short facts for the report's header (the report prints each as one line). */
function metaOf(c: CotrainConfig, cls: ClassificationData, neural: NeuralData, d: ProtocolDetails, saved: SavedRun[]): Record<string, unknown> {
  const p = d.predictor;
  const fmt = (x: number[]) => `${mean(x).toFixed(3)} (seeds: ${x.map((v) => v.toFixed(3)).join(', ')})`;
  return {
    profile: c.profile,
    seeds: seedsOf(c).join(', '),
    data: `${cls.describe}, ${cls.numClasses} classes, ${cls.train.count}/${cls.val.count}/${cls.test.count} train/val/test; `
      + `${neural.describe} in ${neural.sessions.length} sessions, `
      + `${neural.train.length}/${neural.val.length}/${neural.test.length} train/val/test images`,
    model: `VGG (torchvision cfg ${c.model.cfg}) with BN at 1/${c.model.widthDivisor} width, conv head ${c.model.headWidth}; shared block through relu3_1`,
    corruptions: `${c.robustness.corruptions.length} corruptions × severities ${c.robustness.severities.join(',')}, table ${c.robustness.table}, `
      + 'on the GPU (frost procedural, non-canonical)',
    'Monkey-Predictor (neural only)': p.length ? `test corr ${fmt(p.map((x) => x.corr))}; FEVe ${fmt(p.map((x) => x.fevE))}` : 'not run',
    'wall time': `${d.seconds.total.toFixed(0)} s on ${d.adapter}`,
    ...Object.fromEntries(RUN_NAMES.map((run) => [`${run}: stopped by`, stoppingOf(saved.filter((u) => u.run === run))])),
    ...Object.fromEntries(RUN_NAMES.map((run) => [`${run}: weights`,
      saved.filter((u) => u.run === run).map((u) => `[seed ${u.seed}](${u.weights})`).join(', ')])),
  };
}

/** Per seed and phase: 'criterion' or 'cap', with epochs run / the cap. */
function stoppingOf(units: SavedRun[]): string {
  return units.map((u) => `seed ${u.seed}: ` + Object.entries(u.loops)
    .map(([phase, l]) => `${phase} ${l.stoppedBy ?? '?'} (${l.epochs}/${l.maxEpochs ?? '?'} epochs)`).join(', ')).join('; ');
}

/** Runs the protocol and writes results.json, protocol.json and the report (report.md, report.json, SVG) into `out`. */
export async function runCotrain(engine: Engine, config: CotrainConfig, out: string, opts: ProtocolOptions = {}):
  Promise<ProtocolOutput & { report: { markdown: string; files: string[] } }> {
  const folder = new ProtocolFolder(out, config, opts);
  try {
    if (folder.changed.length) opts.log?.(`resume with changes: ${folder.changed.join('; ')}`);
    const r = await runProtocol(engine, config, folder, opts);
    writeFileAtomic(join(out, 'results.json'), Buffer.from(JSON.stringify(r.results, null, 1) + '\n'));
    writeFileAtomic(join(out, 'protocol.json'), Buffer.from(JSON.stringify(r.details, null, 1) + '\n'));
    const report = writeReport(out, r.results);
    return { ...r, report };
  } finally {
    folder.release();
  }
}
