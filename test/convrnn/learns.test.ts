// The default `convrnn train` recipe visibly learns: 175 steps of the default run (rgc_small32_fb, synth-objects
// `learn` profile at 32 px, batch 16, Adam 3e-3, replayed steps) bring the mean training loss of steps 151–175 below
// 2.2; a model at chance has ln 10 = 2.303 (measured: 2.08; the full 500-step default reaches 47 % val top-1).
import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { DEFAULT_MODEL, presetModel } from '../../src/convrnn/models.js';
import { DEFAULT_TRAIN, trainConvRnn } from '../../src/convrnn/train.js';

const eng = useEngine();

describe('convrnn default recipe', () => {
  it('175 default steps take the training loss below what chance can reach', async () => {
    const r = await trainConvRnn(eng(), presetModel(DEFAULT_MODEL), { ...DEFAULT_TRAIN, steps: 175, evalEvery: 175 });
    r.model.dispose();
    const tail = r.losses.slice(150);
    const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
    expect(mean, `mean loss of steps 151–175: ${mean.toFixed(3)}`).toBeLessThan(2.2);
  }, 900_000);
});
