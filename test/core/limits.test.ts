import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { add, relu, sum } from '../../src/ops/index.js';
import { LimitError } from '../../src/errors.js';

// A device whose storage-binding limit is forced down to 1 MiB, as a phone or an old driver would have.
const CAP = 1 << 20;
const eng = useEngine({ limitCaps: { maxStorageBufferBindingSize: CAP, maxBufferSize: 4 << 20 } });

describe('device limits', () => {
  it('reports the capped limit', () => {
    expect(eng().runtime.limits.maxStorageBufferBindingSize).toBe(CAP);
  });

  it('an op whose output exceeds the binding limit fails naming the tensor, bytes and limit', () => {
    const e = eng();
    const x = e.zeros([CAP / 4]); // exactly at the limit: fine
    expect(() => add(x, x)).not.toThrow();
    expect(() => e.zeros([CAP / 4 + 1])).toThrow(LimitError);
    expect(() => e.zeros([CAP / 4 + 1])).toThrow(/full: tensor f32\[262145\] needs 1048580 bytes, over maxStorageBufferBindingSize 1048576/);
  });

  it('ops at the limit compute real values (never zeros)', async () => {
    const e = eng();
    const x = e.full([CAP / 4], -1);
    const s = sum(relu(add(x, e.full([1], 3))));
    expect(await s.item()).toBe(2 * (CAP / 4));
  });

  it('an upload over the buffer limit names it too', () => {
    const e = eng();
    expect(() => e.tensor(new Float32Array(CAP / 4 + 8), [CAP / 4 + 8], 'f32', 'images')).toThrow(/images: tensor f32\[262152\] needs 1048608 bytes/);
  });
});
