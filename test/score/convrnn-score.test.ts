/**
 * `score` on conv-RNNs: nodes as layers (the output at the movie's last step, or `<node>.t<k>`), a model built from
 * a run folder with its weights, and a ground truth: IT simulated from conv4 of a seeded rgc_small32_fb commits
 * conv4 when that network is scored, and a differently seeded one scores lower.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildScoredModel } from '../../src/cli/score.js';
import { ConvRnn } from '../../src/convrnn/graph.js';
import { presetModel } from '../../src/convrnn/models.js';
import { candidateLayers, captureLayers, layerNames } from '../../src/score/activations.js';
import { scoreBenchmark } from '../../src/score/benchmarks.js';
import { simulatedRegion } from '../../src/score/simulated.js';
import { saveWeights } from '../../src/train/checkpoint.js';
import { useEngine } from '../helpers/engine.js';

const engine = useEngine();
const spec = presetModel('rgc_small32_fb');
const input = { size: spec.input.size, channels: 1 as const };

describe('score on conv-RNNs', () => {
  it('takes node outputs at the last step or a named step, and loads a run folder with its weights', async () => {
    const e = engine();
    const dir = mkdtempSync(join(tmpdir(), 'convrnn-score-'));
    const model = new ConvRnn(e, spec, 3);
    try {
      expect(candidateLayers(model)).toEqual(spec.nodes.map((n) => n.name));
      expect(layerNames(model)).toContain(`conv4.t${spec.times - 1}`);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(spec));
      await saveWeights(join(dir, 'weights.safetensors'), model, { model: spec.name });
      const { model: loaded, input: got } = buildScoredModel(e, `convrnn:${dir}`);
      expect(got).toEqual(input);
      const x = e.tensor(Float32Array.from({ length: 2 * 32 * 32 }, (_, i) => Math.sin(i * 0.37)), [2, 1, 32, 32]);
      const read = async (m: ConvRnn | typeof loaded, names: string[]) => e.scopeAsync(async () => {
        const out = e.noGrad(() => captureLayers(m, x, names));
        return Promise.all(names.map(async (n) => Array.from((await out.get(n)!.read()) as Float32Array)));
      });
      const [last, named, early] = await read(model, ['conv4', `conv4.t${spec.times - 1}`, 'conv4.t2']);
      expect(named).toEqual(last);
      expect(early).not.toEqual(last);
      const [fromFolder] = await read(loaded, ['conv4']);
      expect(fromFolder).toEqual(last);
      expect(() => captureLayers(model, x, ['conv9'])).toThrow(/no node 'conv9'/);
      expect(() => captureLayers(model, x, [`conv4.t${spec.times}`])).toThrow(/step 7 of 7/);
      loaded.dispose();
    } finally {
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('IT simulated from conv4 commits conv4; another seed scores lower', async () => {
    const e = engine();
    const gen = new ConvRnn(e, spec, 0);
    const other = new ConvRnn(e, spec, 7);
    try {
      const bench = await simulatedRegion(e, gen, input, 'it', 'conv4', { stimuli: 60, neuroids: 12, repetitions: 6, meanCount: 20 });
      const opts = { layers: candidateLayers(gen), splits: 3, trainSize: 0.5, components: 10 };
      const own = await scoreBenchmark(e, gen, input, bench, opts);
      console.log('IT from conv4:', own.commitment.map((c) => `${c.layer} ${c.raw.toFixed(3)}`).join(', '), `private raw ${own.raw.toFixed(3)}`);
      expect(own.layer).toBe('conv4');
      const theirs = await scoreBenchmark(e, other, input, bench, opts);
      expect(theirs.raw).toBeLessThan(own.raw);
    } finally {
      gen.dispose();
      other.dispose();
    }
  }, 300_000);
});
