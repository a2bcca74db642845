/**
 * View 2: the recursion of one GRCL block, x_0 … x_T and the gates σ(g_t) (t ≥ 1), of the image's forward pass,
 * read from the block's step hook. Columns: the channel mean, then the first channels; each column on one scale
 * across steps so the spread of activity over t is visible.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GRCNN } from '../models/grcnn.js';
import { ArgumentError } from '../errors.js';
import { mean } from '../ops/reduce.js';
import { concat, slice } from '../ops/movement.js';
import { sigmoid } from '../ops/elementwise.js';
import { modelInput } from './model.js';
import { drawMap, el, nextFrame, range } from './draw.js';

/** Maps per step: [1 + channels] planes of h × w per step (plane 0 the channel mean). */
export interface Recursion { block: number; h: number; w: number; planes: number; states: Float32Array[]; gates: Float32Array[] }

const CHANNELS_SHOWN = 6;

/** The first `n` channels of x [1, C, H, W] behind their mean: [1, 1 + n, H, W]. */
function summary(x: Tensor, n: number): Tensor {
  return concat([mean(x, [1], true), slice(x, 1, 0, n)], 1);
}

export async function runRecursion(engine: Engine, model: GRCNN, image: Tensor, block: number, host: HTMLElement): Promise<Recursion> {
  const grcl = model.layers[block];
  if (!grcl) throw new ArgumentError(`GRCL block ${block + 1}: the model has ${model.layers.length}`);
  const states: Tensor[] = [], gates: Tensor[] = [];
  const prev = grcl.stepHook;
  let n = 0;
  try {
    engine.noGrad(() => engine.scope(() => {
      grcl.stepHook = (t, x, g) => {
        n = Math.min(CHANNELS_SHOWN, x.shape[1]);
        states[t] = summary(x, n).keep();
        if (g) gates[t - 1] = summary(sigmoid(g), n).keep();
      };
      model.call(modelInput(image));
    }));
  } finally {
    grcl.stepHook = prev;
  }
  const [, planes, h, w] = states[0].shape;
  const read = async (ts: Tensor[]) => Promise.all(ts.map(async (t) => { const d = (await t.read()) as Float32Array; t.dispose(); return d; }));
  const out: Recursion = { block, h, w, planes, states: await read(states), gates: await read(gates) };
  draw(out, host);
  await nextFrame();
  return out;
}

function draw(r: Recursion, host: HTMLElement): void {
  const { h, w, planes } = r;
  const hw = h * w;
  host.style.gridTemplateColumns = `repeat(${planes + 1}, max-content)`;
  const heads = [el('div', 'head', `block ${r.block + 1} (${h}×${w})`), el('div', 'head', 'channel mean'),
    ...Array.from({ length: planes - 1 }, (_, i) => el('div', 'head', `channel ${i}`))];
  host.replaceChildren(...heads);
  // One scale per column over all steps.
  const scales = Array.from({ length: planes }, (_, p) => {
    const rs = r.states.map((s) => range(s, p * hw, hw));
    return [Math.min(...rs.map((x) => x[0])), Math.max(...rs.map((x) => x[1]))] as const;
  });
  const row = (label: string, data: Float32Array, scale: (p: number) => readonly [number, number]) => {
    host.append(el('div', 'head', label));
    for (let p = 0; p < planes; p++) {
      const cv = el('canvas');
      const [lo, hi] = scale(p);
      drawMap(cv, data, p * hw, h, w, lo, hi);
      cv.title = `${label}, ${p === 0 ? 'channel mean' : `channel ${p - 1}`}: ${lo.toFixed(3)} … ${hi.toFixed(3)}`;
      host.append(cv);
    }
  };
  r.states.forEach((s, t) => {
    row(`x${t}`, s, (p) => scales[p]);
    if (t < r.gates.length) row(`σ(g${t + 1})`, r.gates[t], () => [0, 1]);
  });
}
