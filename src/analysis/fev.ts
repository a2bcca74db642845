/**
 * Explainable variance (FEV), the fraction of it a model explains (FEVe) and oracle correlations, as in
 * neuralpredictors `measures/np_functions.py` (fev, explainable_var, oracle_corr, oracle_corr_corrected) and Cadena
 * et al. 2019 `cnn_sys_ident/base.py` (performance_test), per neuron over its recorded repeats only.
 */
import { corr, mean, variance } from '../stats/correlation.js';
import { checkPredictions, trialsOf, type RepeatedResponses } from '../stats/repeats.js';

export interface VarianceComponents {
  /** Variance over all recorded trials (ddof = 1). */
  totalVar: Float64Array;
  /** Mean over images of the across-repeat variance (ddof = 1); images with < 2 recorded repeats are skipped. */
  noiseVar: Float64Array;
  /** (totalVar − noiseVar) / totalVar. */
  fev: Float64Array;
}

export interface FevResult extends VarianceComponents {
  /** Mean over recorded trials of (response − prediction)². */
  mse: Float64Array;
  /** 1 − (mse − noiseVar) / (totalVar − noiseVar). */
  feve: Float64Array;
}

/** Per-neuron variance components of repeated responses (explainable variance without a model). */
export function explainableVariance(resp: RepeatedResponses): VarianceComponents {
  const { fev, totalVar, noiseVar } = fevOf(resp, null);
  return { fev, totalVar, noiseVar };
}

/**
 * FEV and FEVe of predictions [images, neurons]; the prediction for an image is compared with each of its recorded
 * repeats. Matches neuralpredictors `fev` when nothing is missing and Cadena's NaN-masked version otherwise.
 */
export function fev(resp: RepeatedResponses, predictions: ArrayLike<number>): FevResult {
  checkPredictions('fev', resp, predictions);
  return fevOf(resp, predictions);
}

function fevOf(resp: RepeatedResponses, pred: ArrayLike<number> | null): FevResult {
  const { images, neurons } = resp;
  const out: FevResult = {
    totalVar: new Float64Array(neurons), noiseVar: new Float64Array(neurons), fev: new Float64Array(neurons),
    mse: new Float64Array(neurons), feve: new Float64Array(neurons),
  };
  const buf = new Float64Array(resp.reps);
  for (let k = 0; k < neurons; k++) {
    let n = 0, sum = 0;
    for (let i = 0; i < images; i++) {
      const m = trialsOf(resp, i, k, buf);
      for (let j = 0; j < m; j++) sum += buf[j];
      n += m;
    }
    const grand = sum / n;
    let total = 0, noise = 0, noiseImages = 0, se = 0;
    for (let i = 0; i < images; i++) {
      const m = trialsOf(resp, i, k, buf);
      let s = 0;
      for (let j = 0; j < m; j++) s += buf[j];
      const mean = s / m;
      let ss = 0;
      for (let j = 0; j < m; j++) {
        ss += (buf[j] - mean) ** 2;
        total += (buf[j] - grand) ** 2;
        if (pred) se += (buf[j] - pred[i * neurons + k]) ** 2;
      }
      if (m >= 2) { noise += ss / (m - 1); noiseImages++; }
    }
    const totalVar = total / (n - 1);
    const noiseVar = noise / noiseImages;
    out.totalVar[k] = totalVar;
    out.noiseVar[k] = noiseVar;
    out.fev[k] = (totalVar - noiseVar) / totalVar;
    out.mse[k] = pred ? se / n : NaN;
    out.feve[k] = pred ? 1 - (out.mse[k] - noiseVar) / (totalVar - noiseVar) : NaN;
  }
  return out;
}

/**
 * Oracle correlation per neuron: each recorded trial against the mean of the image's other recorded repeats,
 * correlated over all trials (neuralpredictors `oracle_corr`, std with ddof 0 plus 1e-8). Trials whose image has no
 * other recorded repeat are left out (neuralpredictors would set their oracle to 0).
 */
export function oracleCorr(resp: RepeatedResponses, eps = 1e-8): Float64Array {
  const { images, neurons } = resp;
  const out = new Float64Array(neurons);
  const buf = new Float64Array(resp.reps);
  const trial = new Float64Array(resp.reps * images);
  const oracle = new Float64Array(resp.reps * images);
  for (let k = 0; k < neurons; k++) {
    let n = 0;
    for (let i = 0; i < images; i++) {
      const m = trialsOf(resp, i, k, buf);
      if (m < 2) continue;
      let s = 0;
      for (let j = 0; j < m; j++) s += buf[j];
      for (let j = 0; j < m; j++, n++) {
        trial[n] = buf[j];
        oracle[n] = (s - buf[j]) / (m - 1);
      }
    }
    out[k] = corr(trial, oracle, n, eps);
  }
  return out;
}

/**
 * Noise-corrected oracle: Var(mean) / √(Var(mean)·(Var(mean) + NoiseVar)) with both variances ddof 0, NoiseVar the
 * mean over images of the across-repeat variance (neuralpredictors `oracle_corr_corrected`).
 */
export function oracleCorrCorrected(resp: RepeatedResponses): Float64Array {
  const { images, neurons } = resp;
  const out = new Float64Array(neurons);
  const buf = new Float64Array(resp.reps);
  const means = new Float64Array(images);
  for (let k = 0; k < neurons; k++) {
    let nImg = 0, noise = 0;
    for (let i = 0; i < images; i++) {
      const m = trialsOf(resp, i, k, buf);
      if (m === 0) continue;
      means[nImg++] = mean(buf, m);
      noise += variance(buf, m, 0);
    }
    const varMean = variance(means, nImg, 0);
    out[k] = varMean / Math.sqrt(varMean * (varMean + noise / nImg));
  }
  return out;
}
