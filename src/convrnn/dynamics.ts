/**
 * `convrnn dynamics`: per-time-bin neural scores of a conv-RNN and of its feed-forward control on the built-in
 * temporal population (src/score/simulated-temporal.ts), the per-bin curves as SVG + PNG, a table and JSON.
 * The population comes from a known recurrent generator, so the report states the ground truth: which
 * architecture, node and bins generated it.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Engine } from '../engine.js';
import { CheckpointError, readSafetensors } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/fs.js';
import { ConfigError } from '../errors.js';
import { lineChartSvg, type Panel } from '../train/plot.js';
import { lineChartPng } from '../train/raster.js';
import { scoreTemporal, stepsForBins, type TemporalResult } from '../score/temporal.js';
import { simulatedTemporal, type TemporalSimOptions } from '../score/simulated-temporal.js';
import type { MetricOptions } from '../score/metric.js';
import { ConvRnn } from './graph.js';
import type { ModelSpec } from './spec.js';

export interface DynamicsCandidate { label: string; spec: ModelSpec; seed: number; weights?: string | null }

export interface DynamicsOptions extends MetricOptions {
  /** Scored models, e.g. a conv-RNN and its feed-forward control. */
  candidates: DynamicsCandidate[];
  generator: { spec: ModelSpec; seed: number; node: string };
  /** The movie every model is unrolled over (steps in all, steps with the image). */
  times: number;
  imageOff: number;
  sim?: TemporalSimOptions;
  /** Candidate nodes for commitment (default: every node but the output). */
  nodes?: string[];
  splits?: number;
  trainSize?: number;
  out?: string;
  log?: (m: string) => void;
}

export interface DynamicsReport {
  truth: { model: string; seed: number; node: string; firstStep: number; steps: number[] };
  scores: { label: string; model: string; result: TemporalResult }[];
  files: string[];
}

/** A model with the movie set, its weights loaded from a safetensors file when given. */
export function buildScoredModel(engine: Engine, c: DynamicsCandidate, times: number, imageOff: number): ConvRnn {
  const model = new ConvRnn(engine, { ...c.spec, times, imageOff }, c.seed);
  if (c.weights) {
    try {
      model.loadStateDict(readSafetensors(c.weights).tensors);
    } catch (e) {
      model.dispose();
      throw e instanceof CheckpointError ? e : new CheckpointError(`${c.weights}: ${(e as Error).message}`);
    }
  }
  return model;
}

function table(r: DynamicsReport): string {
  const bins = r.scores[0].result.perBin;
  const head = ['bin (ms)', 'step', ...r.scores.map((s) => `${s.label} (${s.result.node})`)];
  const rows = bins.map((b, i) => [`${b.ms}–${b.ms + 10}`, String(b.step), ...r.scores.map((s) => s.result.perBin[i].raw.toFixed(3))]);
  // A NaN bin (the node's features do not vary with the stimulus: before the latency, or a feed-forward node once
  // the blank has reached it) predicts nothing: it counts as 0 in the mean.
  const mean = (s: DynamicsReport['scores'][number]) => s.result.perBin.reduce((a, b) => a + (Number.isFinite(b.raw) ? b.raw : 0), 0) / s.result.perBin.length;
  return [
    `Ground truth: ${r.truth.model} (seed ${r.truth.seed}), node ${r.truth.node}, bins ↔ steps ${r.truth.steps[0]}…${r.truth.steps.at(-1)}.`, '',
    'Raw score per bin (Pearson r of PLS predictions, median over neuroids, mean over splits, private stimuli):', '',
    `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((x) => `| ${x.join(' | ')} |`),
    `| mean (NaN as 0) | | ${r.scores.map((s) => mean(s).toFixed(3)).join(' | ')} |`, '',
    'Commitment (mean raw over bins, public stimuli):', '',
    ...r.scores.map((s) => `- ${s.label}: ${s.result.commitment.map((c) => `${c.node} ${c.meanRaw.toFixed(3)}`).join(', ')} → ${s.result.node}`), '',
  ].join('\n');
}

export async function runDynamics(engine: Engine, o: DynamicsOptions): Promise<DynamicsReport> {
  const log = o.log ?? (() => {});
  if (o.imageOff > o.times) throw new ConfigError(`convrnn dynamics: image off at ${o.imageOff} exceeds the ${o.times} steps`);
  const gen = new ConvRnn(engine, { ...o.generator.spec, times: o.times, imageOff: o.imageOff }, o.generator.seed);
  let bench: Awaited<ReturnType<typeof simulatedTemporal>>;
  try {
    if (!gen.plans.has(o.generator.node)) throw new ConfigError(`convrnn dynamics: generator ${gen.spec.name} has no node '${o.generator.node}'`);
    bench = await simulatedTemporal(engine, gen, o.generator.node, o.sim);
    log(`population: ${bench.responses.bins[0].neurons} neuroids × ${bench.labels.length} stimuli × ${bench.responses.bins.length} bins from ${gen.spec.name} `
      + `${o.generator.node} (seed ${o.generator.seed}), steps ${bench.truth.steps[0]}…${bench.truth.steps.at(-1)}`);
  } finally { gen.dispose(); }
  const scores: DynamicsReport['scores'] = [];
  for (const c of o.candidates) {
    const model = buildScoredModel(engine, c, o.times, o.imageOff);
    try {
      const nodes = o.nodes ?? c.spec.nodes.map((n) => n.name).filter((n) => n !== c.spec.output);
      const result = await scoreTemporal(engine, model, bench.stimulus, bench.labels, bench.isPublic, bench.responses,
        { ...o, nodes, steps: stepsForBins(bench.responses.bins.length, bench.truth.firstStep, o.times, c.spec.name), splits: o.splits ?? 5, trainSize: o.trainSize ?? 0.75 });
      scores.push({ label: c.label, model: c.spec.name, result });
      log(`${c.label}: committed ${result.node}; per bin ${result.perBin.map((b) => b.raw.toFixed(3)).join(' ')}`);
    } finally { model.dispose(); }
  }
  const report: DynamicsReport = { truth: { ...bench.truth, seed: o.generator.seed }, scores, files: [] };
  if (o.out) {
    mkdirSync(o.out, { recursive: true });
    const panels: Panel[] = [
      { title: 'Neural predictivity per time bin (raw r)', xLabel: 'time bin start (ms)', series: scores.map((s) => ({ name: s.label, points: s.result.perBin.map((b) => [b.ms, b.raw] as [number, number]) })) },
      { title: `Simulated population: mean response per bin (generator ${bench.truth.model}, ${bench.truth.node})`, xLabel: 'time bin start (ms)',
        series: [{ name: 'mean count', points: bench.responses.bins.map((b, i) => [bench.responses.startMs + i * bench.responses.binMs, Array.from(b.data).reduce((a, v) => a + v, 0) / b.data.length] as [number, number]) }] },
    ];
    const files: [string, Uint8Array][] = [
      ['dynamics.svg', Buffer.from(lineChartSvg(panels))], ['dynamics.png', lineChartPng(panels)],
      ['dynamics.md', Buffer.from(table(report))], ['dynamics.json', Buffer.from(`${JSON.stringify({ truth: report.truth, scores }, null, 1)}\n`)],
    ];
    for (const [name, bytes] of files) { writeFileAtomic(join(o.out, name), bytes); report.files.push(join(o.out, name)); }
  }
  return report;
}
