/**
 * Tree-structured Parzen estimator (Bergstra et al. 2011, as hyperopt's tpe.suggest): after `startup` random
 * trials, split the history at the γ-quantile of the loss into good and bad; model each dimension independently
 * by l(x) (good) and g(x) (bad) — Parzen windows of Gaussians with a prior component for reals and integers,
 * smoothed counts for choices — draw `candidates` points from l and keep the one maximising l(x)/g(x).
 */
import type { Rng } from '../../random/rng.js';
import { sampleDim, samplePoint, type Dim, type Point, type Space, type Value } from './space.js';

export interface TpeOptions { startup: number; gamma: number; candidates: number; priorWeight: number }
export const TPE_DEFAULTS: TpeOptions = { startup: 10, gamma: 0.25, candidates: 24, priorWeight: 1 };

export interface Observation { point: Point; loss: number }

interface Parzen { mus: number[]; sigmas: number[]; weights: number[] }

/** Gaussians at the observations (and the prior at the range centre); σ = the larger gap to a neighbour. */
function parzen(xs: number[], low: number, high: number, priorWeight: number): Parzen {
  const pts = [...xs.map((m) => ({ m, prior: false })), { m: (low + high) / 2, prior: true }].sort((a, b) => a.m - b.m);
  const range = high - low;
  const mus: number[] = []; const sigmas: number[] = []; const weights: number[] = [];
  pts.forEach(({ m, prior }, i) => {
    const gap = Math.max(i > 0 ? m - pts[i - 1].m : 0, i < pts.length - 1 ? pts[i + 1].m - m : 0);
    mus.push(m);
    sigmas.push(prior ? range : Math.min(range, Math.max(gap, range / Math.min(100, 1 + pts.length))));
    weights.push(prior ? priorWeight : 1);
  });
  const total = weights.reduce((a, b) => a + b, 0);
  return { mus, sigmas, weights: weights.map((w) => w / total) };
}

function parzenLogPdf(p: Parzen, x: number): number {
  let s = 0;
  p.mus.forEach((m, i) => { s += p.weights[i] * Math.exp(-0.5 * ((x - m) / p.sigmas[i]) ** 2) / (p.sigmas[i] * Math.sqrt(2 * Math.PI)); });
  return Math.log(s + 1e-300);
}

function parzenSample(p: Parzen, rng: Rng, low: number, high: number): number {
  let u = rng.uniform();
  let k = 0;
  while (k < p.weights.length - 1 && u > p.weights[k]) { u -= p.weights[k]; k++; }
  for (let tries = 0; tries < 100; tries++) {
    const x = p.mus[k] + p.sigmas[k] * rng.normal();
    if (x >= low && x <= high) return x;
  }
  return Math.min(high, Math.max(low, p.mus[k]));
}

/** Scores of one dimension: a sampler from l and log l(x) − log g(x). */
function dimModel(d: Dim, good: Value[], bad: Value[], o: TpeOptions): { draw: (rng: Rng) => Value; score: (v: Value) => number } {
  if (d.kind === 'choice') {
    const probs = (vals: Value[]) => d.options.map((opt) => (vals.filter((v) => v === opt).length + o.priorWeight) / (vals.length + o.priorWeight * d.options.length));
    const l = probs(good); const g = probs(bad);
    return {
      draw: (rng) => { let u = rng.uniform(); let k = 0; while (k < l.length - 1 && u > l[k]) { u -= l[k]; k++; } return d.options[k]; },
      score: (v) => { const k = d.options.indexOf(v); return Math.log(l[k]) - Math.log(g[k]); },
    };
  }
  const lo = d.kind === 'int' ? d.low - 0.5 : d.low;
  const hi = d.kind === 'int' ? d.high + 0.5 : d.high;
  const l = parzen(good.map(Number), lo, hi, o.priorWeight);
  const g = parzen(bad.map(Number), lo, hi, o.priorWeight);
  return {
    draw: (rng) => { const x = parzenSample(l, rng, lo, hi); return d.kind === 'int' ? Math.min(d.high, Math.max(d.low, Math.round(x))) : x; },
    score: (v) => parzenLogPdf(l, Number(v)) - parzenLogPdf(g, Number(v)),
  };
}

/** The next point to try given the history. */
export function tpeSuggest(space: Space, history: readonly Observation[], rng: Rng, opts: Partial<TpeOptions> = {}): Point {
  const o = { ...TPE_DEFAULTS, ...opts };
  const done = history.filter((h) => Number.isFinite(h.loss));
  if (done.length < o.startup) return samplePoint(space, rng);
  const sorted = [...done].sort((a, b) => a.loss - b.loss);
  const good = sorted.slice(0, Math.max(1, Math.ceil(o.gamma * sorted.length)));
  const bad = sorted.slice(good.length);
  const point: Point = {};
  for (const d of space) {
    const m = dimModel(d, good.map((h) => h.point[d.name]), bad.map((h) => h.point[d.name]), o);
    let best: Value = sampleDim(d, rng);
    let bestScore = -Infinity;
    for (let i = 0; i < o.candidates; i++) {
      const v = m.draw(rng);
      const s = m.score(v);
      if (s > bestScore) { bestScore = s; best = v; }
    }
    point[d.name] = best;
  }
  return point;
}
