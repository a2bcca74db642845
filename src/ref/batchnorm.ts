/** f64 CPU reference for batch normalisation over axis 1 of [N, C, H, W] or [N, C] (torch semantics). */

export interface BatchNormRefOptions {
  training: boolean;
  eps?: number;
  /** Required in eval mode; in training mode only read by batchNormRunningRef. */
  runningMean?: ArrayLike<number>;
  runningVar?: ArrayLike<number>;
}

export interface BatchNormStats {
  mean: Float64Array;
  /** Biased (divide by M) variance for batch stats; the running variance in eval mode. */
  variance: Float64Array;
  invstd: Float64Array;
}

function dims(shape: readonly number[]): { n: number; c: number; s: number } {
  return { n: shape[0], c: shape[1], s: shape.length === 4 ? shape[2] * shape[3] : 1 };
}

/** The statistics batchNorm normalises with. */
export function batchNormStatsRef(x: ArrayLike<number>, shape: readonly number[], opts: BatchNormRefOptions): BatchNormStats {
  const { n, c, s } = dims(shape);
  const eps = opts.eps ?? 1e-5;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    if (!opts.training) {
      mean[ch] = opts.runningMean![ch];
      variance[ch] = opts.runningVar![ch];
      continue;
    }
    let sum = 0;
    for (let i = 0; i < n; i++) for (let k = 0; k < s; k++) sum += x[(i * c + ch) * s + k];
    const mu = sum / (n * s);
    let sq = 0;
    for (let i = 0; i < n; i++) for (let k = 0; k < s; k++) sq += (x[(i * c + ch) * s + k] - mu) ** 2;
    mean[ch] = mu;
    variance[ch] = sq / (n * s);
  }
  const invstd = variance.map((v) => 1 / Math.sqrt(v + eps));
  return { mean, variance, invstd };
}

/** y = (x − mean)·invstd·weight + bias. */
export function batchNormRef(x: ArrayLike<number>, shape: readonly number[], weight: ArrayLike<number> | null,
  bias: ArrayLike<number> | null, opts: BatchNormRefOptions): Float64Array {
  const { n, c, s } = dims(shape);
  const { mean, invstd } = batchNormStatsRef(x, shape, opts);
  const y = new Float64Array(n * c * s);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const a = invstd[ch] * (weight ? weight[ch] : 1);
      const b = bias ? bias[ch] : 0;
      for (let k = 0; k < s; k++) {
        const o = (i * c + ch) * s + k;
        y[o] = (x[o] - mean[ch]) * a + b;
      }
    }
  }
  return y;
}

/** Running statistics after one training step: momentum-weighted, with the unbiased batch variance. */
export function batchNormRunningRef(x: ArrayLike<number>, shape: readonly number[], runningMean: ArrayLike<number>,
  runningVar: ArrayLike<number>, momentum = 0.1): { runningMean: Float64Array; runningVar: Float64Array } {
  const { n, s } = dims(shape);
  const m = n * s;
  const { mean, variance } = batchNormStatsRef(x, shape, { training: true });
  return {
    runningMean: mean.map((mu, ch) => (1 - momentum) * runningMean[ch] + momentum * mu),
    runningVar: variance.map((v, ch) => (1 - momentum) * runningVar[ch] + momentum * v * m / (m - 1)),
  };
}

/**
 * Gradients of Σ y·dy. Training: the batch statistics depend on x, giving
 * dx = weight·invstd·(dy − mean(dy) − x̂·mean(dy·x̂)); eval: dx = weight·invstd·dy.
 */
export function batchNormBackwardRef(x: ArrayLike<number>, shape: readonly number[], weight: ArrayLike<number> | null,
  dy: ArrayLike<number>, opts: BatchNormRefOptions): { dx: Float64Array; dweight: Float64Array; dbias: Float64Array } {
  const { n, c, s } = dims(shape);
  const m = n * s;
  const { mean, invstd } = batchNormStatsRef(x, shape, opts);
  const dx = new Float64Array(n * c * s);
  const dweight = new Float64Array(c);
  const dbias = new Float64Array(c);
  const xhat = (o: number, ch: number) => (x[o] - mean[ch]) * invstd[ch];
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < s; k++) {
        const o = (i * c + ch) * s + k;
        dbias[ch] += dy[o];
        dweight[ch] += dy[o] * xhat(o, ch);
      }
    }
    const a = invstd[ch] * (weight ? weight[ch] : 1);
    const mdy = opts.training ? dbias[ch] / m : 0;
    const mdw = opts.training ? dweight[ch] / m : 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < s; k++) {
        const o = (i * c + ch) * s + k;
        dx[o] = a * (dy[o] - mdy - xhat(o, ch) * mdw);
      }
    }
  }
  return { dx, dweight, dbias };
}
