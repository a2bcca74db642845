import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { gpuGrads, numericGrad } from '../helpers/gradcheck.js';
import { gridSample } from '../../src/ops/grid-sample.js';
import { gridSampleBackwardRef, gridSampleRef, type Shape4 } from '../../src/ref/grid-sample.js';
import { ShapeError } from '../../src/errors.js';
import { numel } from '../../src/tensor/shape.js';

const eng = useEngine();

const TOL = { atol: 2e-5, rtol: 1e-4 };
const GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };

// input [N, C, H, W] and output points [Ho, Wo]; 1-pixel and 1-point edges, odd sizes, C not a multiple of 4.
const CASES: { x: Shape4; out: [number, number] }[] = [
  { x: [1, 1, 1, 1], out: [1, 3] },
  { x: [2, 3, 3, 7], out: [3, 5] },
  { x: [1, 5, 7, 3], out: [2, 2] },
  { x: [2, 3, 17, 17], out: [4, 3] },
  { x: [1, 1, 1, 7], out: [3, 1] },
  { x: [1, 3, 7, 1], out: [1, 7] },
];

// Corners and edges exactly (±1), the centre, points just and far outside, and half-outside points. Their pixel
// positions are exact in f32, so GPU and reference agree on every floor, but some sit on pixel boundaries
// where the grid gradient jumps: finite differences use only the random points.
const SPECIAL = [[-1, -1], [1, 1], [1, -1], [-1, 1], [0, 0], [-1, 0.5], [0.25, 1], [5, -5], [-1.5, 0], [1.05, 0.3], [-1.02, -0.98]];

function makeGrid(n: number, p: number, seed: number, special: boolean): Float64Array {
  const g = f32(uniform(n * p * 2, seed, -1.3, 1.3));
  if (special) for (let k = 0; k < n * p && k < SPECIAL.length; k++) g.set(SPECIAL[k], 2 * k);
  return g;
}

function check(xShape: Shape4, out: [number, number], align: boolean, seed: number, special: boolean) {
  const gShape: Shape4 = [xShape[0], out[0], out[1], 2];
  const x = f32(normal(numel(xShape), seed));
  const grid = makeGrid(xShape[0], out[0] * out[1], seed + 1, special);
  const dy = f32(normal(xShape[0] * xShape[1] * out[0] * out[1], seed + 2));
  return { gShape, x, grid, dy, ref: gridSampleBackwardRef(x, xShape, grid, gShape, dy, align), y: gridSampleRef(x, xShape, grid, gShape, align) };
}

describe('gridSample', () => {
  for (const align of [true, false]) {
    it(`alignCorners=${align}: forward and both gradients match the reference`, async () => {
      const e = eng();
      for (const [k, { x: xShape, out }] of CASES.entries()) {
        const c = check(xShape, out, align, 100 * k, true);
        const { out: y, grads } = await gpuGrads(e, ([tx, tg]) => gridSample(tx, tg, { alignCorners: align }),
          [{ data: c.x, shape: xShape }, { data: c.grid, shape: c.gShape }], c.dy);
        const what = `[${xShape}] → [${out}]`;
        expectClose(y, c.y, TOL, `forward ${what}`);
        expectClose(grads[0]!, c.ref.dInput, GRAD_TOL, `d input ${what}`);
        expectClose(grads[1]!, c.ref.dGrid, GRAD_TOL, `d grid ${what}`);
      }
    });

    it(`alignCorners=${align}: reference gradients match finite differences`, () => {
      for (const [k, { x: xShape, out }] of CASES.entries()) {
        const c = check(xShape, out, align, 100 * k + 7, false);
        const f = ([tx, tg]: Float64Array[]) => gridSampleRef(tx, xShape, tg, c.gShape, align);
        const num = numericGrad(f, [Float64Array.from(c.x), Float64Array.from(c.grid)], c.dy);
        expectClose(c.ref.dInput, num[0], { atol: 1e-7, rtol: 1e-6 }, `d input [${xShape}]`);
        expectClose(c.ref.dGrid, num[1], { atol: 1e-7, rtol: 1e-6 }, `d grid [${xShape}]`);
      }
    });
  }

  it('reference gives hand-computed values at pixel centres, corners and outside', () => {
    // 2×3 image 1..6, align_corners=True: (−1,−1) is pixel (0,0), (1,1) pixel (2,1), (0,0) halfway between
    // (1,0) and (1,1); (−1.5, 0) is half a pixel left of column 0 at row 0.5, so half of (1 + 4)/2.
    const x = [1, 2, 3, 4, 5, 6];
    const grid = [-1, -1, 1, 1, 0, 0, -1.5, 0, 3, 0];
    expectClose(gridSampleRef(x, [1, 1, 2, 3], grid, [1, 1, 5, 2], true), [1, 6, 3.5, 1.25, 0], { atol: 1e-12 });
    // align_corners=False: (−1,−1) is the outer corner, a quarter of pixel (0,0); (0,0) is the image centre.
    expectClose(gridSampleRef(x, [1, 1, 2, 3], grid, [1, 1, 5, 2], false), [0.25, 1.5, 3.5, 0, 0], { atol: 1e-12 });
  });

  it('Gaussian readout shape: many neurons, 256 channels, one point each', async () => {
    const e = eng();
    const xShape: Shape4 = [3, 256, 9, 11];
    const c = check(xShape, [1, 150], false, 5, false);
    const { out: y, grads } = await gpuGrads(e, ([tx, tg]) => gridSample(tx, tg, { alignCorners: false }),
      [{ data: c.x, shape: xShape }, { data: c.grid, shape: c.gShape }], c.dy);
    expectClose(y, c.y, TOL, 'forward');
    expectClose(grads[0]!, c.ref.dInput, GRAD_TOL, 'd input');
    expectClose(grads[1]!, c.ref.dGrid, { atol: 1e-3, rtol: 1e-3 }, 'd grid');
  });

  it('accumulates the input gradient of many points on the same pixels, the same bits every run', async () => {
    const e = eng();
    const xShape: Shape4 = [2, 3, 4, 5];
    const gShape: Shape4 = [2, 9, 13, 2];
    const grid = new Float64Array(numel(gShape));
    for (let i = 0; i < grid.length; i += 2) grid.set(i < grid.length / 2 ? [0.1, -0.2] : [-0.9, 0.85], i);
    const x = f32(normal(numel(xShape), 1));
    const dy = f32(uniform(2 * 3 * 9 * 13, 2, 0.5, 1.5));
    const go = () => gpuGrads(e, ([tx, tg]) => gridSample(tx, tg, { alignCorners: true }),
      [{ data: x, shape: xShape }, { data: f32(grid), shape: gShape }], dy);
    const { grads } = await go();
    const ref = gridSampleBackwardRef(x, xShape, f32(grid), gShape, dy, true);
    expectClose(grads[0]!, ref.dInput, { atol: 1e-4, rtol: 1e-5 }, 'd input');
    expectClose(grads[1]!, ref.dGrid, GRAD_TOL, 'd grid');
    const again = await go();
    expect(Array.from(again.grads[0]!)).toEqual(Array.from(grads[0]!));
    expect(Array.from(again.grads[1]!)).toEqual(Array.from(grads[1]!));
  });

  it('computes only the gradients that are needed', async () => {
    const e = eng();
    const xShape: Shape4 = [1, 3, 5, 4];
    const c = check(xShape, [2, 3], true, 9, true);
    const build = ([tx, tg]: Parameters<typeof gridSample>[0][]) => gridSample(tx, tg, { alignCorners: true });
    const onlyGrid = await gpuGrads(e, build, [{ data: c.x, shape: xShape, grad: false }, { data: c.grid, shape: c.gShape }], c.dy);
    expect(onlyGrid.grads[0]).toBeNull();
    expectClose(onlyGrid.grads[1]!, c.ref.dGrid, GRAD_TOL, 'd grid');
    const onlyInput = await gpuGrads(e, build, [{ data: c.x, shape: xShape }, { data: c.grid, shape: c.gShape, grad: false }], c.dy);
    expect(onlyInput.grads[1]).toBeNull();
    expectClose(onlyInput.grads[0]!, c.ref.dInput, GRAD_TOL, 'd input');
  });

  it('rejects bad shapes', () => {
    const e = eng();
    e.scope(() => {
      const x = e.zeros([2, 3, 4, 5]);
      expect(() => gridSample(x, e.zeros([2, 3, 3, 3]), { alignCorners: true })).toThrow(ShapeError);
      expect(() => gridSample(x, e.zeros([1, 3, 3, 2]), { alignCorners: true })).toThrow(/gridSample: grid must be/);
      expect(() => gridSample(e.zeros([2, 3, 4]), e.zeros([2, 3, 3, 2]), { alignCorners: true })).toThrow(/rank 4/);
      expect(() => gridSample(e.zeros([2, 3, 0, 5]), e.zeros([2, 3, 3, 2]), { alignCorners: true })).toThrow(/no pixels/);
    });
  });
});
