/**
 * A frozen Gabor filter-bank "core": a known, fixed feature map on which a Gaussian readout can model sim-v1's
 * simple and complex cells (as sim-v1 simulates them), so readout fitting can be checked against ground truth (RF centres,
 * FEVe) without a trained network in the way.
 *
 * For every frequency f and orientation θ = kπ/n it computes a quadrature pair of unit-norm Gabor filters
 * (isotropic envelope, σ = sigmaCycles/f as sim-v1's, the even one made zero-mean like sim-v1's filters) by
 * cross-correlation (as sim-v1's ⟨g, x⟩), and outputs per pair
 *   energy  √(E² + O²)                      (a complex cell with that tuning)
 *   phases  [cos α·E − sin α·O]₊, α = 2πp/P (simple cells at P phases)
 * Channels: all energy channels (frequency-major, then orientation), then all phase channels (frequency,
 * orientation, phase); a readout does not care about the order, and this one needs no interleaving copy.
 *
 * Why separable matrices: a complex Gabor with an isotropic envelope factorises, g(x)e^{iax}·g(y)e^{iby}
 * (a = 2πf cos θ, b = 2πf sin θ), so the bank is two matrix products, one along the rows ([W] → every pair's hr,
 * hi and g at the output columns) and one along the columns per pair ([3H] → its E, O at the output rows; the
 * DC correction E − c·G and the unit norms folded in). On a software GPU that is several times faster than k×k
 * convolutions (k ≈ 45 px at sim-v1's lowest frequency) and needs ~15 kernel launches per call.
 *
 * Geometry: zero padding, output pixel (i, j) centred on input pixel (stride·i, stride·j); `gridToPixel` maps a
 * readout position (align_corners grid coordinates) to input pixels. The matrices are buffers, not parameters:
 * the core has nothing to train. Input: gray images [N, 1, H, W] of the configured size.
 */
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { ShapeError } from '../../src/errors.js';
import { Layer } from '../../src/nn/layers.js';
import { matmul } from '../../src/ops/matmul.js';
import { addScalar, mul, relu, sqrt, square, sub } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { concat, permute, reshape, slice } from '../../src/ops/movement.js';

export interface GaborCoreOptions {
  /** [H, W] of the input images (the filter matrices are built for one size). */
  inputSize: readonly [number, number];
  /** Orientations θ = kπ/n, k < n (default 8). */
  orientations?: number;
  /** Carrier frequencies in cycles/pixel (default 4 log-spaced over sim-v1's 1/16…1/4). */
  frequencies?: readonly number[];
  /** Envelope σ = sigmaCycles/f in pixels (default 0.45, sim-v1's). */
  sigmaCycles?: number;
  /** Kernel half-width in σ (default 3, sim-v1's box). */
  truncate?: number;
  /** Output stride (default 2). */
  stride?: number;
  /** Half-wave rectified phases per pair (default 4: 0°, 90°, 180°, 270°); 0 for energy only. */
  phases?: number;
  /** The energy channel of each pair (default true). */
  energy?: boolean;
}

/** sim-v1 draws f log-uniformly in [1/16, 1/4]: four frequencies 2/3 octave apart cover it. */
export const SIM_V1_FREQUENCIES: readonly number[] = [0, 1, 2, 3].map((i) => 2 ** (-4 + (2 * i) / 3));

function gaussian1d(sigma: number, radius: number): Float64Array {
  return Float64Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
}

/** One filter pair's 1-D factors and the constants that finish its 2-D filters. */
interface Pair {
  radius: number;
  g: Float64Array; hr: Float64Array; hi: Float64Array; vr: Float64Array; vi: Float64Array;
  /** E's DC per unit Gaussian (so E − c·G sums to 0), and 1/‖E − c·G‖, 1/‖O‖ of the discrete 2-D filters. */
  dc: number; evenScale: number; oddScale: number;
}

function makePair(f: number, theta: number, sigma: number, radius: number): Pair {
  const g = gaussian1d(sigma, radius);
  const a = 2 * Math.PI * f * Math.cos(theta), b = 2 * Math.PI * f * Math.sin(theta);
  const hr = g.map((v, i) => v * Math.cos(a * (i - radius))), hi = g.map((v, i) => v * Math.sin(a * (i - radius)));
  const vr = g.map((v, i) => v * Math.cos(b * (i - radius))), vi = g.map((v, i) => v * Math.sin(b * (i - radius)));
  const k = g.length;
  let gSum = 0, eSum = 0;
  for (const v of g) gSum += v;
  for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) eSum += vr[y] * hr[x] - vi[y] * hi[x];
  const dc = eSum / (gSum * gSum);
  let e2 = 0, o2 = 0;
  for (let y = 0; y < k; y++) {
    for (let x = 0; x < k; x++) {
      e2 += (vr[y] * hr[x] - vi[y] * hi[x] - dc * g[y] * g[x]) ** 2;
      o2 += (vi[y] * hr[x] + vr[y] * hi[x]) ** 2;
    }
  }
  return { radius, g, hr, hi, vr, vi, dc, evenScale: 1 / Math.sqrt(e2), oddScale: 1 / Math.sqrt(o2) };
}

export class GaborCore extends Layer {
  readonly orientations: number;
  readonly frequencies: readonly number[];
  readonly stride: number;
  readonly phases: number;
  readonly energy: boolean;
  readonly sigmaCycles: number;
  readonly inputSize: readonly [number, number];
  /** [H', W'] of the output. */
  readonly outSize: readonly [number, number];
  /** [W, G·3·W']: per pair g (frequency-major, orientation), the row passes hr, hi, g sampled at every stride-th column. */
  readonly #rows: Tensor;
  /** [G, 3H, 2H']: per pair, the column passes from its (Hr, Hi, Hg) to its unit-norm, zero-mean (E', O'). */
  readonly #cols: Tensor;
  /** [1, 1, P, 1, 1] cos α and sin α of the rectified phases. */
  readonly #cos: Tensor | null;
  readonly #sin: Tensor | null;

  constructor(engine: Engine, opts: GaborCoreOptions) {
    super(engine);
    this.orientations = opts.orientations ?? 8;
    this.frequencies = opts.frequencies ?? SIM_V1_FREQUENCIES;
    this.sigmaCycles = opts.sigmaCycles ?? 0.45;
    this.stride = opts.stride ?? 2;
    this.phases = opts.phases ?? 4;
    this.energy = opts.energy ?? true;
    this.inputSize = opts.inputSize;
    const truncate = opts.truncate ?? 3;
    const n = this.orientations, s = this.stride, P = this.phases;
    const [H, W] = this.inputSize;
    if (!(Number.isInteger(n) && n >= 1)) throw new ShapeError(`GaborCore: orientations must be a positive integer, got ${n}`);
    if (!(Number.isInteger(s) && s >= 1)) throw new ShapeError(`GaborCore: stride must be a positive integer, got ${s}`);
    if (!(Number.isInteger(P) && P >= 0)) throw new ShapeError(`GaborCore: phases must be an integer ≥ 0, got ${P}`);
    if (!this.energy && P === 0) throw new ShapeError('GaborCore: no output channels (energy off and 0 phases)');
    if (![H, W].every((d) => Number.isInteger(d) && d >= 1)) throw new ShapeError(`GaborCore: inputSize must be two positive integers, got [${this.inputSize.join(', ')}]`);
    if (this.frequencies.length === 0 || this.frequencies.some((f) => !(f > 0 && f <= 0.5))) {
      throw new ShapeError(`GaborCore: frequencies must be in (0, 0.5] cycles/pixel, got [${this.frequencies.join(', ')}]`);
    }
    if (!(this.sigmaCycles > 0) || !(truncate > 0)) throw new ShapeError('GaborCore: sigmaCycles and truncate must be > 0');
    const oh = Math.floor((H - 1) / s) + 1, ow = Math.floor((W - 1) / s) + 1;
    this.outSize = [oh, ow];
    const pairs = this.frequencies.flatMap((f) => {
      const sigma = this.sigmaCycles / f;
      const radius = Math.max(1, Math.ceil(truncate * sigma));
      return Array.from({ length: n }, (_, o) => makePair(f, (Math.PI * o) / n, sigma, radius));
    });
    const G = pairs.length;
    // Correlation with zero padding: output j reads input x through tap x − s·j + r; taps off the kernel are 0.
    const tap = (filter: Float64Array, r: number, x: number, j: number): number => filter[x - s * j + r] ?? 0;
    const rows = new Float32Array(W * G * 3 * ow);
    const cols = new Float32Array(G * 3 * H * 2 * oh);
    pairs.forEach((p, q) => {
      const r = p.radius;
      for (let x = 0; x < W; x++) {
        for (let j = 0; j < ow; j++) {
          const at = x * G * 3 * ow + q * 3 * ow + j;
          rows[at] = tap(p.hr, r, x, j);
          rows[at + ow] = tap(p.hi, r, x, j);
          rows[at + 2 * ow] = tap(p.g, r, x, j);
        }
      }
      // E' = s_e·(Hr⋆vr − Hi⋆vi − c·Hg⋆g), O' = s_o·(Hr⋆vi + Hi⋆vr), along the columns.
      for (let y = 0; y < H; y++) {
        for (let i = 0; i < oh; i++) {
          const put = (t: number, c: number, v: number): void => { cols[((q * 3 + t) * H + y) * 2 * oh + c * oh + i] = v; };
          put(0, 0, p.evenScale * tap(p.vr, r, y, i));
          put(1, 0, -p.evenScale * tap(p.vi, r, y, i));
          put(2, 0, -p.evenScale * p.dc * tap(p.g, r, y, i));
          put(0, 1, p.oddScale * tap(p.vi, r, y, i));
          put(1, 1, p.oddScale * tap(p.vr, r, y, i));
        }
      }
    });
    this.#rows = this.buffer('rows', engine.tensor(rows, [W, G * 3 * ow]));
    this.#cols = this.buffer('cols', engine.tensor(cols, [G, 3 * H, 2 * oh]));
    const angles = Array.from({ length: P }, (_, p) => (2 * Math.PI * p) / P);
    this.#cos = P ? this.buffer('phase_cos', engine.tensor(angles.map(Math.cos), [1, 1, P, 1, 1])) : null;
    this.#sin = P ? this.buffer('phase_sin', engine.tensor(angles.map(Math.sin), [1, 1, P, 1, 1])) : null;
  }

  /** Filter pairs: frequencies × orientations. */
  get pairs(): number { return this.frequencies.length * this.orientations; }

  /** Energy channels (frequency-major, then orientation), then phase channels (frequency, orientation, phase). */
  get outChannels(): number { return this.pairs * ((this.energy ? 1 : 0) + this.phases); }

  /** [channels, H', W'] of the output. */
  get outputShape(): [number, number, number] { return [this.outChannels, this.outSize[0], this.outSize[1]]; }

  /**
   * Input pixel coordinates (0-based pixel centres, x along width) of a readout position (gx, gy) in
   * grid_sample's align_corners coordinates on this core's output.
   */
  gridToPixel(gx: number, gy: number): [number, number] {
    const [oh, ow] = this.outSize;
    return [(this.stride * (gx + 1) * (ow - 1)) / 2, (this.stride * (gy + 1) * (oh - 1)) / 2];
  }

  forward(x: Tensor): Tensor {
    const [H, W] = this.inputSize;
    if (x.rank !== 4 || x.shape[1] !== 1 || x.shape[2] !== H || x.shape[3] !== W) {
      throw new ShapeError(`GaborCore: expected gray images [N, 1, ${H}, ${W}], got ${x.describe()}`);
    }
    const N = x.shape[0], G = this.pairs, P = this.phases;
    const [oh, ow] = this.outSize;
    return this.engine.scope(() => {
      // Rows: [N·H, W] × [W, G·3·W'], then bring each pair's three row outputs and the image rows together.
      const rowsOut = reshape(matmul(reshape(x, [N * H, W]), this.#rows), [N, H, G, 3, ow]);
      const byPair = reshape(permute(rowsOut, [0, 2, 4, 3, 1]), [N, G, ow, 3 * H]);
      // Columns: per pair [W', 3H] × [3H, 2H'] gives (E', O') along the output rows.
      const eo = permute(reshape(matmul(byPair, this.#cols), [N, G, ow, 2, oh]), [0, 1, 3, 4, 2]);
      const out: Tensor[] = [];
      // The epsilon keeps the energy's gradient finite where both responses vanish.
      if (this.energy) out.push(sqrt(addScalar(sum(square(eo), 2), 1e-12)));
      if (P > 0) {
        const even = slice(eo, 2, 0, 1), odd = slice(eo, 2, 1, 2);
        out.push(reshape(relu(sub(mul(even, this.#cos!), mul(odd, this.#sin!))), [N, G * P, oh, ow]));
      }
      return out.length === 1 ? out[0] : concat(out, 1);
    });
  }
}
