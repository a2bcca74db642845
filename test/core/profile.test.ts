import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { add, matmul, relu } from '../../src/ops/index.js';
import { uniform } from '../helpers/rng.js';

const eng = useEngine({ timestamps: true });

describe('per-kernel GPU profile', () => {
  it('counts every dispatch by kernel with its GPU time, and leaves results unchanged', async () => {
    const e = eng();
    if (!e.runtime.features.has('timestamp-query')) return; // adapters without timestamps: nothing to profile
    const a = e.tensor(Float32Array.from(uniform(64 * 64, 1)), [64, 64]);
    const b = e.tensor(Float32Array.from(uniform(64 * 64, 2)), [64, 64]);
    const step = () => e.scope(() => relu(add(matmul(a, b), a))).keep();
    const plain = step();
    const expected = await plain.read();
    plain.dispose();
    await e.runtime.sync();
    expect(e.runtime.startProfile()).toBe(true);
    const profiled = [step(), step()];
    const prof = await e.runtime.stopProfile();
    for (const t of profiled) { expect(await t.read()).toEqual(expected); t.dispose(); }
    const kernels = [...prof.keys()];
    expect(kernels.some((k) => k.startsWith('matmul:'))).toBe(true);
    const total = [...prof.values()].reduce((s, v) => s + v.count, 0);
    expect(total).toBeGreaterThanOrEqual(6);
    for (const v of prof.values()) expect(v.count % 2).toBe(0);
    expect([...prof.values()].every((v) => v.ms >= 0)).toBe(true);
    expect([...prof.values()].some((v) => v.ms > 0)).toBe(true);
    // The profile is over: later work is batched again and not counted.
    expect((await e.runtime.stopProfile()).size).toBe(0);
    a.dispose();
    b.dispose();
  });

  it('times every dispatch of a profile longer than the 512 passes of the timer', async () => {
    const e = eng();
    if (!e.runtime.startProfile()) return;
    const x = e.tensor(Float32Array.from(uniform(64, 3)), [64]);
    let y = x;
    for (let i = 0; i < 700; i++) { const next = add(y, x); if (y !== x) y.dispose(); y = next; }
    const prof = await e.runtime.stopProfile();
    expect([...prof.values()].reduce((s, v) => s + v.count, 0)).toBe(700);
    expect([...prof.values()].every((v) => v.ms > 0)).toBe(true);
    y.dispose();
    x.dispose();
  });

  it('a capture cannot start inside a profile', async () => {
    const e = eng();
    if (!e.runtime.startProfile()) return;
    expect(() => e.runtime.beginCapture()).toThrow(/profile is running/);
    await e.runtime.stopProfile();
  });
});
