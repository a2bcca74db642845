// Per-time-bin neural dynamics with ground truth: a temporal population generated from conv4 of a seeded
// rgc_small32_fb (rise + adaptation over bins; the image goes off mid-way) is scored per bin through src/score's
// metric (ridge here, to keep the test fast; the command uses PLS). The generating architecture (its weights) must
// beat its feed-forward control (whose conv4 holds no trace of the image once the blank reaches it) and an RGC of
// other weights, commit the generating node, and score best with the true bin ↔ step mapping.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useEngine } from '../helpers/engine.js';
import { feedforwardControl, presetModel } from '../../src/convrnn/models.js';
import { runDynamics } from '../../src/convrnn/dynamics.js';
import { ConvRnn } from '../../src/convrnn/graph.js';
import { scoreTemporal } from '../../src/score/temporal.js';
import { latencyOf, simulatedTemporal } from '../../src/score/simulated-temporal.js';

const eng = useEngine();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('conv-RNN neural dynamics per time bin', () => {
  it('the generating architecture wins, at its node and its bins', async () => {
    const spec = presetModel('rgc_small32_fb');
    const out = mkdtempSync(join(tmpdir(), 'dynamics-'));
    const r = await runDynamics(eng(), {
      candidates: [
        { label: 'ConvRNN (generator weights)', spec, seed: 7 },
        { label: 'feed-forward control', spec: feedforwardControl(spec), seed: 7 },
        { label: 'ConvRNN (other weights)', spec, seed: 3 },
      ],
      generator: { spec, seed: 7, node: 'conv4' }, times: 14, imageOff: 6, nodes: ['conv3', 'conv4'],
      sim: { stimuli: 80, neuroids: 16, bins: 12 }, splits: 2, trainSize: 0.75, regression: 'ridge', out,
    });
    const [gen, ff, other] = r.scores.map((s) => s.result);
    const m = [gen, ff, other].map((s) => mean(s.perBin.slice(1).map((b) => (Number.isFinite(b.raw) ? b.raw : 0))));
    expect(gen.node).toBe('conv4');
    expect(r.truth.steps).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    const curves = [gen, ff, other].map((s) => s.perBin.map((b) => b.raw.toFixed(2)).join(' ')).join(' / ');
    // The architecture is what the curve tells: both RGCs beat the control; the generator's own weights score best.
    expect(m[0], `means ${m.map((x) => x.toFixed(3))}; ${curves}`).toBeGreaterThan(m[1] + 0.1);
    expect(m[2], curves).toBeGreaterThan(m[1] + 0.05);
    expect(m[0], curves).toBeGreaterThan(m[2]);
    gen.perBin.forEach((b, i) => {
      // Bin 0 is before the latency (no stimulus information); once the blank has reached conv4 (step ≥ 6 + 3) the
      // control holds no trace of the image while the recurrent state still does.
      if (b.step < 3) expect(Number.isFinite(b.raw) ? b.raw : 0, `bin ${i}: ${curves}`).toBeLessThan(0.3);
      else if (b.step < 9) expect(b.raw, `bin ${i}: ${curves}`).toBeGreaterThan(0.3);
      else if (b.step > 9) expect(b.raw, `bin ${i}: ${curves}`).toBeGreaterThan((Number.isFinite(ff.perBin[i].raw) ? ff.perBin[i].raw : 0) + 0.2);
    });
    for (const f of ['dynamics.svg', 'dynamics.png', 'dynamics.md', 'dynamics.json']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'dynamics.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(out, 'dynamics.md'), 'utf8')).toMatch(/Ground truth: rgc_small32_fb \(seed 7\), node conv4/);
  }, 300_000);

  it('responses rise after the latency and adapt; the true bin mapping scores best', async () => {
    const spec = { ...presetModel('rgc_small32_fb'), times: 14, imageOff: 6 };
    const gen = new ConvRnn(eng(), spec, 7);
    try {
      expect(latencyOf(gen, 'conv4')).toBe(3);
      const b = await simulatedTemporal(eng(), gen, 'conv4', { stimuli: 80, neuroids: 16, bins: 12 });
      // Spread across stimuli per bin: none before the image arrives (bin 0, step 2), then a rise.
      const spread = b.responses.bins.map((bin) => {
        const per = new Float64Array(bin.images);
        for (let r = 0; r < bin.reps; r++) for (let i = 0; i < bin.images; i++) for (let k = 0; k < bin.neurons; k++) per[i] += bin.data[(r * bin.images + i) * bin.neurons + k];
        const mu = mean([...per]);
        return Math.sqrt(mean([...per].map((v) => (v - mu) ** 2)));
      });
      expect(spread[2], spread.map((x) => x.toFixed(1)).join(' ')).toBeGreaterThan(2 * spread[0]);
      // Bins 1–9 (steps 3–11: the rise, and the image going off) under the true mapping and shifted by two steps.
      const scoreAt = async (shift: number) => mean((await scoreTemporal(eng(), gen, b.stimulus, b.labels, b.isPublic,
        { ...b.responses, bins: b.responses.bins.slice(1, 10) }, { nodes: ['conv4'], steps: Array.from({ length: 9 }, (_, k) => 3 + k + shift),
          splits: 2, trainSize: 0.75, regression: 'ridge' })).perBin.map((x) => (Number.isFinite(x.raw) ? x.raw : 0)));
      // Two steps early, the first bins meet steps before the latency, which carry no stimulus information (r NaN,
      // counted as 0).
      const [early, right, late] = [await scoreAt(-2), await scoreAt(0), await scoreAt(2)];
      expect(right, `true mapping ${right.toFixed(3)}, two steps early ${early.toFixed(3)}, two late ${late.toFixed(3)}`).toBeGreaterThan(early + 0.05);
    } finally { gen.dispose(); }
  }, 300_000);
});
