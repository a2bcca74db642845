/** f64 CPU reference for the gated residual update y = x + σ(g) ⊙ a and its gradients. */

function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

export function gatedResidualRef(x: ArrayLike<number>, g: ArrayLike<number>, a: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v, i) => v + sigmoid(g[i]) * a[i]);
}

/** Gradients of Σ y·dy with respect to x, g and a. */
export function gatedResidualBackwardRef(g: ArrayLike<number>, a: ArrayLike<number>, dy: ArrayLike<number>):
  { dx: Float64Array; dg: Float64Array; da: Float64Array } {
  const n = g.length;
  const dx = Float64Array.from(dy);
  const dg = new Float64Array(n);
  const da = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = sigmoid(g[i]);
    dg[i] = dy[i] * a[i] * s * (1 - s);
    da[i] = dy[i] * s;
  }
  return { dx, dg, da };
}
