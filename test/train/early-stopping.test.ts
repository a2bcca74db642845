/**
 * Training control of the recipes: torch's ReduceLROnPlateau (relative and absolute thresholds, patience, minLr),
 * early stopping with restarts as neural_cotraining codes it (the untrained model is the first best, a round ends
 * after patience + 1 epochs without improvement, `restarts` rounds end training), and restore-best of the weights.
 */
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { Module } from '../../src/nn/module.js';
import { EarlyStopping, ReduceLROnPlateau, TrainingControl } from '../../src/train/early-stopping.js';
import { useEngine } from '../helpers/engine.js';

const eng = useEngine();

describe('ReduceLROnPlateau', () => {
  it('reduces after more than `patience` epochs without a relative improvement, down to minLr', () => {
    const s = new ReduceLROnPlateau(0.1, { mode: 'max', factor: 0.4, patience: 2, threshold: 0.1, thresholdMode: 'rel', minLr: 0.01 });
    // 1.05 is not > 1·(1 + 0.1): three bad epochs in a row, the third exceeds patience 2.
    expect([1, 1.05, 1.05, 1.05].map((m) => s.step(m))).toEqual([false, false, false, true]);
    expect(s.lr).toBeCloseTo(0.04, 12);
    expect([1.2, 1, 1, 1].map((m) => s.step(m))).toEqual([false, false, false, true]);
    expect(s.lr).toBeCloseTo(0.016, 12);
    for (let i = 0; i < 3; i++) s.step(0);
    expect(s.lr).toBe(0.01);
    expect(s.reductions).toBe(3);
  });

  it('uses an absolute threshold in abs mode and the opposite direction in min mode', () => {
    const abs = new ReduceLROnPlateau(1, { mode: 'max', factor: 0.5, patience: 0, threshold: 0.01, thresholdMode: 'abs', minLr: 0 });
    expect([0.5, 0.509, 0.52].map((m) => abs.step(m))).toEqual([false, true, false]);
    const min = new ReduceLROnPlateau(1, { mode: 'min', factor: 0.5, patience: 0, threshold: 0, thresholdMode: 'rel', minLr: 0 });
    expect([2, 1, 1.5].map((m) => min.step(m))).toEqual([false, false, true]);
  });
});

describe('EarlyStopping', () => {
  it('restores after patience + 1 non-improving epochs and stops after `restarts` rounds', () => {
    const es = new EarlyStopping(0.5, { mode: 'max', patience: 1, tolerance: 0.01, restarts: 2, maxEpochs: 100 });
    const actions = [0.6, 0.605, 0.55, 0.7, 0.6, 0.6].map((m) => es.observe(m));
    // 0.605 is within the tolerance of 0.6: no improvement.
    expect(actions).toEqual(['improved', 'wait', 'restore', 'improved', 'wait', 'stop']);
    expect(es.best).toBe(0.7);
    expect(es.bestEpoch).toBe(4);
    expect(es.done).toBe(true);
    expect(() => es.observe(1)).toThrow(/after the stop/);
  });

  it('stops at maxEpochs and at once on a non-finite metric; a NaN start does not block improvements', () => {
    const es = new EarlyStopping(0, { mode: 'max', patience: 5, tolerance: 0, restarts: 5, maxEpochs: 2 });
    expect([0.1, 0.2].map((m) => es.observe(m))).toEqual(['improved', 'stop']);
    const nan = new EarlyStopping(NaN, { mode: 'max', patience: 5, tolerance: 0, restarts: 5, maxEpochs: 9 });
    expect(nan.observe(-0.3)).toBe('improved');
    expect(nan.observe(Infinity)).toBe('stop');
  });
});

class One extends Module {
  readonly w: Tensor;
  constructor(e: Engine) { super(e); this.w = this.param('w', e.tensor([0, 0])); }
}

describe('TrainingControl', () => {
  it('keeps the best weights on the GPU and writes them back on restore, stop and finish', async () => {
    const e = eng();
    const m = new One(e);
    const c = new TrainingControl(m, 0.1, 0, {
      plateau: { mode: 'max', factor: 0.5, patience: 0, threshold: 0, thresholdMode: 'abs', minLr: 0 },
      stopping: { patience: 0, tolerance: 0, restarts: 2, maxEpochs: 10 },
    });
    const epoch = async (w: number[], metric: number) => { m.w.write(w); return c.endEpoch(metric); };
    expect((await epoch([1, 1], 0.5)).action).toBe('improved');
    const d = await epoch([2, 2], 0.4);
    expect(d).toMatchObject({ action: 'restore', reduced: true, best: 0.5 });
    expect(d.lr).toBeCloseTo(0.05, 12);
    expect(Array.from(await m.w.read())).toEqual([1, 1]);
    expect((await epoch([3, 3], 0.45)).action).toBe('stop');
    expect(Array.from(await m.w.read())).toEqual([1, 1]);
    c.finish();
    expect(Array.from(await m.w.read())).toEqual([1, 1]);
    m.dispose();
  });

  it('a stop on an improving epoch keeps that epoch’s weights', async () => {
    const e = eng();
    const m = new One(e);
    const c = new TrainingControl(m, 0.1, 0, {
      plateau: { mode: 'max', factor: 0.5, patience: 5, threshold: 0, thresholdMode: 'abs', minLr: 0 },
      stopping: { patience: 5, tolerance: 0, restarts: 5, maxEpochs: 1 },
    });
    m.w.write([7, 8]);
    expect(c.endEpoch(0.9).action).toBe('stop');
    c.finish();
    expect(Array.from(await m.w.read())).toEqual([7, 8]);
    m.dispose();
  });
});
