import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { evaluate, NonFiniteOutputError, topk } from '../../src/train/evaluate.js';
import { buildData, buildModel, evalTransform } from '../../src/train/setup.js';

const eng = useEngine();
const cfg = parseTrainConfig({
  seed: 3,
  model: { preset: 'grcnn-small', stemChannels: 4, planes: [4, 8], expansion: 2, iters: [1, 1], groups: 2 },
  data: { kind: 'synth-objects-64', perClass: 2, valPerClass: 1 },
});

describe('accuracy (issue 11 item 2)', () => {
  it('a tie counts against the target', () => {
    const labels = Int32Array.of(0, 2);
    expect(topk(new Float32Array(6), labels, 3, 1)).toBe(0);
    expect(topk(Float32Array.of(1, 1, 0, 0, 1, 1), labels, 3, 1)).toBe(0);
    expect(topk(Float32Array.of(2, 1, 0, 0, 1, 3), labels, 3, 1)).toBe(2);
    expect(topk(Float32Array.of(1, 1, 0, 0, 1, 1), labels, 3, 2)).toBe(2); // one class ties: rank 2
    expect(topk(Float32Array.of(1, 1, 0, 0, 1, 1), labels, 3, 3)).toBe(2);
  });

  it('a zeroed classifier scores 0, not 100 %; an Inf weight is an error naming the batch and the tensor', async () => {
    const data = buildData(cfg);
    const model = buildModel(eng(), cfg, data);
    try {
      for (const [name, t] of model.namedParameters()) if (name.startsWith('classifier.')) t.write(new Float32Array(t.size));
      const r = await evaluate(eng(), model, data.val, evalTransform(data), 8);
      expect(r.top1).toBe(0);
      expect(r.top5).toBe(0); // 16 classes, all tied: every other class ranks at least as high
      const [name, w] = model.namedParameters().find(([n]) => n === 'classifier.weight')!;
      const bad = new Float32Array(w.size);
      bad[5] = Infinity;
      w.write(bad);
      const e = await evaluate(eng(), model, data.val, evalTransform(data), 8).then(() => null, (x: unknown) => x as Error);
      expect(e).toBeInstanceOf(NonFiniteOutputError);
      expect(e!.message).toMatch(/evaluation batch 0 \(images 0–7\): the logits hold non-finite values/);
      expect(e!.message).toContain(`parameter '${name}'`);
    } finally { model.dispose(); }
  });
});
