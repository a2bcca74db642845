/**
 * One call for the neural prediction metrics of a model on repeated test responses: the per-neuron values and the
 * population summaries reported by Cadena et al. 2019 and Safarani et al. 2021.
 */
import { corrToAverage, corrToSingleTrials } from '../stats/correlation.js';
import { fev, oracleCorr } from './fev.js';
import type { RepeatedResponses } from '../stats/repeats.js';

export interface NeuralMetricsOptions {
  /**
   * Neurons whose FEV is at or below this are left out of the FEVe average (nnvision `get_FEV(threshold)`);
   * default: none dropped.
   */
  fevThreshold?: number;
  eps?: number;
}

export interface NeuralMetrics {
  perNeuron: {
    corrToAverage: Float64Array;
    corrToSingleTrials: Float64Array;
    fev: Float64Array;
    feve: Float64Array;
    oracle: Float64Array;
  };
  mean: {
    corrToAverage: number;
    corrToSingleTrials: number;
    fev: number;
    /** Over the neurons kept by `fevThreshold`. */
    feve: number;
    oracle: number;
  };
  /** Neurons in the FEVe average. */
  kept: number;
}

export function neuralMetrics(resp: RepeatedResponses, predictions: ArrayLike<number>, opts: NeuralMetricsOptions = {}): NeuralMetrics {
  const eps = opts.eps ?? 1e-8;
  const f = fev(resp, predictions);
  const perNeuron = {
    corrToAverage: corrToAverage(resp, predictions, eps),
    corrToSingleTrials: corrToSingleTrials(resp, predictions, eps),
    fev: f.fev,
    feve: f.feve,
    oracle: oracleCorr(resp, eps),
  };
  const threshold = opts.fevThreshold ?? -Infinity;
  const keep = Array.from(f.fev, (v) => v > threshold);
  const kept = keep.filter(Boolean).length;
  return {
    perNeuron,
    mean: {
      corrToAverage: meanOf(perNeuron.corrToAverage),
      corrToSingleTrials: meanOf(perNeuron.corrToSingleTrials),
      fev: meanOf(f.fev),
      feve: meanOf(f.feve.filter((_, k) => keep[k])),
      oracle: meanOf(perNeuron.oracle),
    },
    kept,
  };
}

function meanOf(x: Float64Array): number {
  return x.length ? x.reduce((a, b) => a + b, 0) / x.length : NaN;
}
