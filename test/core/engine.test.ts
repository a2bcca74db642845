import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { Engine } from '../../src/engine.js';
import { add, mul, relu, scale, sum } from '../../src/ops/index.js';
import { DeviceLostError, DisposedError, ShapeError } from '../../src/errors.js';

const eng = useEngine();

describe('engine: scopes, counters, tape', () => {
  it('scope frees temporaries and hands results to the enclosing scope', async () => {
    const e = eng();
    const before = e.stats();
    const x = e.tensor([1, 2, 3]);
    const y = e.scope(() => {
      const a = scale(x, 2);
      const b = add(a, x);
      return { out: mul(b, b) };
    }).out;
    expect(e.stats().liveTensors).toBe(before.liveTensors + 2);
    expect(Array.from(await y.read())).toEqual([9, 36, 81]);
    x.dispose(); y.dispose();
    expect(e.stats().liveTensors).toBe(before.liveTensors);
    expect(e.stats().liveBytes).toBe(before.liveBytes);
  });

  it('a scope that throws still frees what it made', () => {
    const e = eng();
    const before = e.stats().liveTensors;
    expect(() => e.scope(() => { e.zeros([4]); throw new Error('boom'); })).toThrow('boom');
    expect(e.stats().liveTensors).toBe(before);
  });

  it('views share storage: bytes are freed with the last handle', () => {
    const e = eng();
    const before = e.stats().liveBytes;
    const x = e.zeros([2, 3]);
    const v = x.view([6]);
    x.dispose();
    expect(e.stats().liveBytes).toBe(before + 24);
    v.dispose();
    expect(e.stats().liveBytes).toBe(before);
  });

  it('use after dispose names the tensor', () => {
    const e = eng();
    const x = e.tensor([1], [1], 'f32', 'weights');
    x.dispose();
    expect(() => relu(x)).toThrow(DisposedError);
    expect(() => relu(x)).toThrow(/weights f32\[1\] was used after dispose/);
  });

  it('gradients accumulate across backward calls; the tape keeps what scopes dispose', async () => {
    const e = eng();
    const w = e.parameter([1, -2, 3], [3], 'w');
    for (let i = 0; i < 2; i++) {
      e.scope(() => {
        const loss = sum(mul(relu(w), w));
        e.backward(loss);
      });
    }
    // d/dw Σ relu(w)·w = 2w for w > 0, 0 otherwise; twice.
    expect(Array.from(await w.grad!.read())).toEqual([4, 0, 12]);
    expect(e.tape.entries.length).toBe(0);
    w.dispose();
  });

  it('noGrad records nothing; backward on a non-scalar needs a gradient', () => {
    const e = eng();
    const w = e.parameter([1, 2], [2]);
    const y = e.noGrad(() => relu(w));
    expect(y.requiresGrad).toBe(false);
    expect(e.tape.entries.length).toBe(0);
    const z = relu(w);
    expect(() => e.backward(z)).toThrow(/not a scalar/);
    e.tape.clear();
    for (const t of [w, y, z]) t.dispose();
  });

  it('a buffer released before submit is not reused for an upload that would overwrite it early', async () => {
    const e = eng();
    const a = e.tensor([1, 2, 3, 4]);
    const b = scale(a, 10); // encoded, not submitted
    a.dispose();
    const c = e.tensor([7, 7, 7, 7]); // same size bucket; must not land in a's buffer before b runs
    expect(Array.from(await b.read())).toEqual([10, 20, 30, 40]);
    expect(Array.from(await c.read())).toEqual([7, 7, 7, 7]);
    b.dispose(); c.dispose();
  });

  it('buffers are reused: steady allocation after warm-up', () => {
    const e = eng();
    const step = () => e.scope(() => { sum(relu(scale(e.ones([1000]), 2))); });
    step(); step();
    const created = e.runtime.pool.stats.created;
    for (let i = 0; i < 20; i++) step();
    expect(e.runtime.pool.stats.created).toBe(created);
  });

  it('tensor() checks the data length against the shape', () => {
    expect(() => eng().tensor([1, 2, 3], [2, 2], 'f32', 'img')).toThrow(ShapeError);
    expect(() => eng().tensor([1, 2, 3], [2, 2], 'f32', 'img')).toThrow(/tensor img: 3 values do not fill shape \[2, 2\]/);
  });
});

describe('device loss', () => {
  it('after the device is lost every call throws DeviceLostError, never a silent result', async () => {
    const e = await Engine.create();
    const x = e.tensor([1, 2]);
    e.runtime.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(() => relu(x)).toThrow(DeviceLostError);
    await expect(x.read()).rejects.toThrow(DeviceLostError);
    e.close();
  });
});
