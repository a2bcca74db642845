/**
 * Reverse walk of the tape. Only entries on a path to `loss` produce gradients; each entry's saved tensors
 * are freed as soon as it has run. Leaf gradients accumulate into `.grad` (so several backward calls add up).
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { fmt, sameShape } from '../tensor/shape.js';
import { add } from '../ops/elementwise.js';
import { dropSplitSums, flushSplitSums, isDeferred } from '../ops/split-sum.js';

export function runBackward(engine: Engine, loss: Tensor, opts: { grad?: Tensor; retainGraph?: boolean }): void {
  if (!loss.requiresGrad) throw new ShapeError(`backward: ${loss.describe()} does not require grad (no recorded op reaches it)`);
  if (!opts.grad && loss.size !== 1) throw new ShapeError(`backward: ${loss.describe()} is not a scalar; pass opts.grad`);
  if (opts.grad && !sameShape(opts.grad.shape, loss.shape)) {
    throw new ShapeError(`backward: grad ${fmt(opts.grad.shape)} does not match loss ${fmt(loss.shape)}`);
  }
  const leaves = new Map<number, Tensor>();
  const leafGrads = engine.noGrad(() => engine.scope(() => {
    const grads = new Map<number, Tensor>();
    grads.set(loss.id, opts.grad ? opts.grad.view(loss.shape) : engine.ones(loss.shape));
    const entries = engine.tape.entries;
    try {
      for (let i = entries.length - 1; i >= 0; i--) {
        const e = entries[i];
        if (!e.live) continue;
        const gys = e.outputs.map((id) => grads.get(id) ?? null);
        if (gys.every((g) => g === null)) continue;
        // What other consumers of each input gave so far, where a rule may add into it in place (see GradFn).
        const prior = e.inputs.map((x, k) => {
          const g = e.needs[k] && e.inputs.indexOf(x) === e.inputs.lastIndexOf(x) ? grads.get(x.id) : undefined;
          return g && g.storage.refs === 1 && !isDeferred(g) ? g : null;
        });
        // Deferred conv weight-gradient sums (split-sum.ts) are computed before anything reads one.
        if (gys.some(isDeferred)) flushSplitSums(engine);
        // A rule may hand back an incoming gradient as is; give it its own handle before those are freed.
        const gxs = e.backward(gys, e.saved, e.needs, prior).map((g) => (g && gys.includes(g) ? g.view(g.shape) : g));
        for (const id of e.outputs) { grads.get(id)?.dispose(); grads.delete(id); }
        e.inputs.forEach((x, k) => {
          const gx = gxs[k];
          if (!e.needs[k] || !gx) return;
          if (!sameShape(gx.shape, x.shape)) {
            throw new ShapeError(`backward of ${e.op}: gradient ${fmt(gx.shape)} for input ${x.describe()}`);
          }
          if (x.isLeaf) leaves.set(x.id, x);
          const prev = grads.get(x.id);
          // gx === prev: the rule accumulated into the prior gradient in place.
          if (prev === gx) return;
          if (prev && (isDeferred(prev) || isDeferred(gx))) flushSplitSums(engine);
          if (prev) { grads.set(x.id, add(prev, gx)); prev.dispose(); gx.dispose(); } else grads.set(x.id, gx);
        });
        if (!opts.retainGraph) engine.tape.retire(e);
      }
    } catch (err) {
      dropSplitSums(engine);
      throw err;
    }
    flushSplitSums(engine);
    return [...leaves.values()].map((x) => [x, grads.get(x.id)!] as const);
  }));
  for (const [x, g] of leafGrads) {
    g.keep();
    if (x.disposed) { g.dispose(); continue; }
    if (x.grad) { const sum = engine.noGrad(() => add(x.grad!, g)).keep(); x.grad.dispose(); g.dispose(); x.grad = sum; } else x.grad = g;
  }
  if (!opts.retainGraph) engine.tape.clear();
}
