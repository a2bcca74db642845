/**
 * Correlations between responses and predictions, per neuron, in the two conventions in use: neuralpredictors
 * `corr` (z-scores with ddof-0 std + eps; nnvision `get_correlations` maps NaN to 0) and plain Pearson r (scipy
 * `pearsonr`, as Brain-Score uses).
 */
import { ShapeError } from '../errors.js';
import { checkPredictions, repeatMean, type RepeatedResponses } from './repeats.js';

export function mean(x: ArrayLike<number>, n = x.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  return s / n;
}

/** Two-pass variance of the first n values. */
export function variance(x: ArrayLike<number>, n = x.length, ddof = 0): number {
  const m = mean(x, n);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i] - m) ** 2;
  return ss / (n - ddof);
}

/** neuralpredictors `corr` over the first n pairs: mean of products of z-scores, std with ddof 0 plus eps. */
export function corr(x: ArrayLike<number>, y: ArrayLike<number>, n = x.length, eps = 1e-8): number {
  const mx = mean(x, n), my = mean(y, n);
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxx += dx * dx; syy += dy * dy; sxy += dx * dy;
  }
  return sxy / n / ((Math.sqrt(sxx / n) + eps) * (Math.sqrt(syy / n) + eps));
}

/** Pearson r over the first n pairs; NaN when either side is constant (as scipy `pearsonr`). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, n = x.length): number {
  const mx = mean(x, n), my = mean(y, n);
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxx += dx * dx; syy += dy * dy; sxy += dx * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * Per-neuron correlation of responses [samples, neurons] with predictions of the same shape (nnvision
 * `get_correlations` on single trials). Samples whose response is NaN are left out; a neuron with no samples or a
 * non-finite result gets 0, as nnvision does.
 */
export function corrPerNeuron(responses: ArrayLike<number>, predictions: ArrayLike<number>, neurons: number, eps = 1e-8): Float64Array {
  if (responses.length !== predictions.length || responses.length % neurons !== 0) {
    throw new ShapeError(`corrPerNeuron: responses (${responses.length}) and predictions (${predictions.length}) must both be [samples, ${neurons}]`);
  }
  const samples = responses.length / neurons;
  const x = new Float64Array(samples), y = new Float64Array(samples);
  const out = new Float64Array(neurons);
  for (let k = 0; k < neurons; k++) {
    let n = 0;
    for (let s = 0; s < samples; s++) {
      const r = responses[s * neurons + k];
      if (Number.isNaN(r)) continue;
      x[n] = r; y[n] = predictions[s * neurons + k]; n++;
    }
    out[k] = finiteOr0(corr(x, y, n, eps));
  }
  return out;
}

/** Per-neuron correlation of the repeat-averaged response with predictions [images, neurons]. */
export function corrToAverage(resp: RepeatedResponses, predictions: ArrayLike<number>, eps = 1e-8): Float64Array {
  checkPredictions('corrToAverage', resp, predictions);
  return corrPerNeuron(repeatMean(resp), predictions, resp.neurons, eps);
}

/** Per-neuron correlation over every recorded trial, the image's prediction standing for each of its repeats. */
export function corrToSingleTrials(resp: RepeatedResponses, predictions: ArrayLike<number>, eps = 1e-8): Float64Array {
  checkPredictions('corrToSingleTrials', resp, predictions);
  const { reps, images, neurons } = resp;
  const tiled = new Float64Array(reps * images * neurons);
  const one = Float64Array.from(predictions);
  for (let r = 0; r < reps; r++) tiled.set(one, r * images * neurons);
  return corrPerNeuron(resp.data, tiled, neurons, eps);
}

function finiteOr0(v: number): number {
  return Number.isFinite(v) ? v : 0;
}
