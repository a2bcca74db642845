/**
 * "Biological" unrolling (neuroailab/convrnns utils/main.py `unroll`, model_func `make_movie`): at step t every
 * node reads its predecessors' outputs from t − 1 (zero stand-ins shaped like them at t = 0) and its own state
 * from t − 1; only the input node sees frame t. Nodes compute at t = 0 too (bias-driven), so layer k first sees
 * the image at t = k − 1 and each feedback edge adds a step of delay. Weights are shared over time.
 */
import type { Tensor } from '../tensor/tensor.js';
import { fill } from '../ops/fill.js';
import { asLogits, INPUT, type ConvRnn } from './graph.js';

/** Frame t of the movie: the image for t < imageOff, then a constant blank (0.5 in normalised input space). */
export function movieFrames(images: Tensor, times: number, imageOff: number, blank: number): Tensor[] {
  const frames: Tensor[] = [];
  let blankFrame: Tensor | null = null;
  for (let t = 0; t < times; t++) {
    if (t < imageOff) { frames.push(images); continue; }
    if (!blankFrame) { blankFrame = images.engine.empty(images.shape, 'f32', 'blank'); fill(blankFrame, blank); }
    frames.push(blankFrame);
  }
  return frames;
}

export interface UnrollResult {
  /** outputs[node][t]: every node's output at every step. */
  outputs: Map<string, Tensor[]>;
  /** The output node's last step as [N, classes]. */
  logits: Tensor;
}

/** Runs the graph over `frames` (one per step, [N, C, H, W] each). */
export function unroll(model: ConvRnn, frames: readonly Tensor[]): UnrollResult {
  const e = model.engine;
  const n = frames[0].shape[0];
  const outputs = new Map<string, Tensor[]>(model.nodes.map((m) => [m.plan.spec.name, []]));
  let prev = new Map<string, Tensor>();
  for (const m of model.nodes) prev.set(m.plan.spec.name, e.zeros([n, ...m.plan.out]));
  let states = model.nodes.map((m) => m.zeroState(n));
  for (const frame of frames) {
    const now = new Map<string, Tensor>();
    states = model.nodes.map((m, i) => {
      const ins = m.plan.inputs.map((s) => (s === INPUT ? frame : prev.get(s)!));
      const r = m.step(ins, states[i]);
      now.set(m.plan.spec.name, r.out);
      outputs.get(m.plan.spec.name)!.push(r.out);
      return r.state;
    });
    prev = now;
  }
  const last = outputs.get(model.spec.output)!.at(-1)!;
  return { outputs, logits: asLogits(last) };
}
