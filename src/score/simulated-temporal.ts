/**
 * A built-in temporal population with known ground truth (no recordings can be downloaded here): neuroids driven by
 * one node of a seeded conv-RNN generator, read at successive model steps, one 10 ms bin per step. Each neuroid
 * is a fixed random projection W of the node's z-scored features (statistics pooled over stimuli and bins, so the
 * rise of the drive over time is kept), with spike-rate adaptation: an adaptation variable a follows the drive
 * with time constant ρ and is subtracted, so responses rise after the latency and then adapt —
 *   d_b = z(f_{t_b})·W,   a_b = ρ·a_{b−1} + (1 − ρ)·d_{b−1},   λ_b = m·softplus(1.5·(d_b − κ·a_b))/mean + 0.05,
 * counts Poisson(λ_b) per repetition. The generator (architecture, seed, node) and the bin ↔ step mapping are
 * recorded, so tests can check that the generating architecture scores best at the right bins.
 */
import type { Engine } from '../engine.js';
import type { Image } from '../data/dataset.js';
import { SynthObjects } from '../data/synth-objects.js';
import { normalizeImage } from '../data/transforms.js';
import { poissonInverse } from '../data/sim-v1.js';
import { Rng } from '../random/rng.js';
import type { ConvRnn } from '../convrnn/graph.js';
import { extractTemporalActivations, stepsForBins, type TemporalResponses } from './temporal.js';

export interface TemporalSimOptions {
  stimuli?: number;
  neuroids?: number;
  repetitions?: number;
  /** Mean spike count per repetition and bin (sets the noise level). */
  meanCount?: number;
  bins?: number;
  /** The generator step of bin 0 (default: one step before the image reaches the node, so bin 0 is the baseline). */
  firstStep?: number;
  /** Adaptation time constant ρ and strength κ. */
  adaptation?: { rho: number; kappa: number };
  seed?: number;
}

export interface TemporalBenchmark {
  /** Normalised stimuli at the generator's input size (what the candidate models see). */
  stimulus: (i: number) => Image;
  labels: string[];
  isPublic: boolean[];
  responses: TemporalResponses;
  truth: { model: string; node: string; firstStep: number; steps: number[] };
}

/** Steps from the movie to a node along its feed-forward chain (layer k first sees the image at t = k − 1). */
export function latencyOf(model: ConvRnn, node: string): number {
  let depth = 0;
  for (let at: string = node; at !== 'input'; depth++) at = model.plans.get(at)!.spec.inputName;
  return depth - 1;
}

export async function simulatedTemporal(engine: Engine, generator: ConvRnn, node: string, o: TemporalSimOptions = {}): Promise<TemporalBenchmark> {
  const n = o.stimuli ?? 100, K = o.neuroids ?? 24, R = o.repetitions ?? 4, seed = o.seed ?? 0, m = o.meanCount ?? 8;
  const { rho, kappa } = o.adaptation ?? { rho: 0.6, kappa: 0.8 };
  const spec = generator.spec;
  const firstStep = o.firstStep ?? Math.max(0, latencyOf(generator, node) - 1);
  const B = o.bins ?? Math.min(10, spec.times - firstStep);
  const steps = stepsForBins(B, firstStep, spec.times, `generator ${spec.name}`);
  const objs = new SynthObjects({ split: 'test', seed: seed + 23, imageSize: spec.input.size, perClass: Math.ceil(n / 10), rms: [0, 0.02] });
  const labels = Array.from({ length: n }, (_, i) => objs.classNames[objs.get(i).label]);
  const stimulus = (i: number): Image => normalizeImage(objs.get(i), [0.5], [0.25]);
  const acts = (await extractTemporalActivations(engine, generator, stimulus, n, [node])).nodes.get(node)!;
  const F = acts.features;
  const mu = new Float64Array(F), sd = new Float64Array(F);
  for (const t of steps) for (let i = 0; i < n; i++) for (let f = 0; f < F; f++) mu[f] += acts.steps[t][i * F + f] / (n * B);
  for (const t of steps) for (let i = 0; i < n; i++) for (let f = 0; f < F; f++) sd[f] += (acts.steps[t][i * F + f] - mu[f]) ** 2 / (n * B);
  const rng = Rng.of(seed, 0x7e3b, 0xd1);
  const W = Float64Array.from({ length: F * K }, () => rng.normal() / Math.sqrt(F));
  const drive = steps.map((t) => {
    const d = new Float64Array(n * K);
    for (let i = 0; i < n; i++) for (let f = 0; f < F; f++) {
      if (!(sd[f] > 1e-12)) continue;
      const v = (acts.steps[t][i * F + f] - mu[f]) / Math.sqrt(sd[f]);
      for (let k = 0; k < K; k++) d[i * K + k] += v * W[f * K + k];
    }
    return d;
  });
  const adapt = new Float64Array(n * K);
  const sp = drive.map((d, b) => {
    if (b > 0) for (let j = 0; j < n * K; j++) adapt[j] = rho * adapt[j] + (1 - rho) * drive[b - 1][j];
    return d.map((v, j) => Math.log1p(Math.exp(1.5 * (v - kappa * adapt[j]))));
  });
  const meanSp = sp.reduce((s, x) => s + x.reduce((a, b) => a + b, 0), 0) / (B * n * K);
  const bins = sp.map((rate) => {
    const data = new Float64Array(R * n * K);
    for (let r = 0; r < R; r++) for (let j = 0; j < n * K; j++) data[r * n * K + j] = poissonInverse((m * rate[j]) / meanSp + 0.05, rng.uniform());
    return { data, reps: R, images: n, neurons: K };
  });
  const seen = new Map<string, number>();
  const isPublic = labels.map((l) => { const k = seen.get(l) ?? 0; seen.set(l, k + 1); return k % 2 === 0; });
  return { stimulus, labels, isPublic, responses: { binMs: 10, startMs: 70, bins }, truth: { model: spec.name, node, firstStep, steps } };
}
