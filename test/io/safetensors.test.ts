import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import type { HostTensor } from '../../src/nn/module.js';
import { Rng } from '../../src/random/rng.js';

/** A file with a hand-written header (no digest), so each rule of the format can be broken on its own. */
function raw(header: unknown, data: Uint8Array, headerText = JSON.stringify(header)): Uint8Array {
  const head = Buffer.from(headerText, 'utf8');
  const out = Buffer.alloc(8 + head.length + data.length);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  Buffer.from(data).copy(out, 8 + head.length);
  return out;
}

const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const entry = (begin: number, end: number, shape = [(end - begin) / 4], dtype = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });

const rejects = (bytes: Uint8Array, msg: RegExp) => {
  let err: unknown;
  try { decodeSafetensors(bytes, 'f.safetensors'); } catch (e) { err = e; }
  expect(err, `accepted; expected ${msg}`).toBeInstanceOf(CheckpointError);
  expect(String((err as Error).message)).toMatch(/^f\.safetensors: /);
  expect(String((err as Error).message)).toMatch(msg);
};

describe('safetensors reader: the format rules', () => {
  const two = cat(f32(1, 2), f32(3, 4));

  it('reads a well-formed file', () => {
    const f = decodeSafetensors(raw({ a: entry(0, 8), b: entry(8, 16) }, two), 'f');
    expect([...f.tensors.get('b')!.data]).toEqual([3, 4]);
    expect(f.dtypes.get('a')).toBe('F32');
  });

  it('refuses negative, fractional and reversed offsets', () => {
    rejects(raw({ a: entry(-8, 0, [2]) }, two), /data_offsets \[-8,0\] is not \[begin, end\] of non-negative integers/);
    rejects(raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0.5, 8.5] }, b: entry(8.5, 16.5, [2]) }, two), /non-negative integers/);
    rejects(raw({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 0] } }, two), /end before they begin/);
  });

  it('refuses overlapping tensors, gaps and trailing bytes', () => {
    rejects(raw({ a: entry(0, 8), b: entry(4, 12) }, two), /tensor 'b' overlaps 'a'/);
    rejects(raw({ a: entry(0, 8), b: entry(12, 16, [1]) }, two), /gap of 4 bytes before tensor 'b'/);
    rejects(raw({ a: entry(0, 8) }, two), /8 trailing bytes after the last tensor/);
    rejects(raw({ a: entry(0, 8), b: entry(8, 24) }, two), /data runs past the end of the file/);
  });

  it('refuses a name listed twice (JSON.parse would keep the last)', () => {
    rejects(raw(null, two, '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}'),
      /tensor 'a' is listed twice/);
  });

  it('refuses a header that is not an object, an entry without shape, bad metadata, unknown dtypes', () => {
    rejects(raw(null, two), /header is null, not a JSON object/);
    rejects(raw([1, 2], two), /not a JSON object/);
    rejects(raw({ a: { dtype: 'F32', data_offsets: [0, 16] } }, two), /tensor 'a': shape undefined is not a list/);
    rejects(raw({ a: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, two), /shape \[-4\]/);
    rejects(raw({ a: 7 }, two), /tensor 'a': entry is not an object/);
    rejects(raw({ __metadata__: { format: 1 }, a: entry(0, 16) }, two), /__metadata__ is not an object of strings/);
    rejects(raw({ a: entry(0, 16, [4], 'Q8') }, two), /dtype "Q8" is not one of/);
    rejects(raw({ a: entry(0, 12, [2]) }, cat(f32(1, 2, 3))), /12 bytes for shape \[2\] of F32 \(8 expected\)/);
  });

  it('bounds the header length before reading it', () => {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(2n ** 62n, 0);
    rejects(b, /exceeds the format's limit/);
    b.writeBigUInt64LE(100n, 0);
    rejects(b, /exceeds the file \(16 bytes\)/);
    rejects(raw(null, new Uint8Array(), '\xff\xfe'), /header is not UTF-8 JSON/);
  });

  it('refuses NaN/Inf weights naming the tensor, unless allowed', () => {
    const bad = raw({ a: entry(0, 8), w: entry(8, 16) }, cat(f32(1, 2), f32(3, Infinity)));
    rejects(bad, /tensor 'w' holds a non-finite value \(Infinity at flat index 1\)/);
    expect(decodeSafetensors(bad, 'f', { allowNonFinite: true }).tensors.get('w')!.data[1]).toBe(Infinity);
  });
});

describe('safetensors reader: mutation fuzz', () => {
  const tensors = new Map<string, HostTensor>([
    ['conv.weight', { shape: [2, 3], data: Float32Array.from([0.5, -1, 2, 3.25, -0.125, 7]) }],
    ['bn.num_batches_tracked', { shape: [], data: Int32Array.of(12) }],
    ['fc.bias', { shape: [3], data: Float32Array.from([1e-3, 0, -4]) }],
  ]);
  const good = encodeSafetensors(tensors, { format: 'test', state: '{"step":3}' });
  const same = (f: ReturnType<typeof decodeSafetensors>) => {
    expect([...f.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [k, t] of tensors) {
      expect(f.tensors.get(k)!.shape, k).toEqual(t.shape);
      expect([...f.tensors.get(k)!.data], k).toEqual([...t.data]);
    }
    expect(f.metadata.state).toBe('{"step":3}');
  };

  it('a file we wrote reads back identically', () => same(decodeSafetensors(good, 'good')));

  it('400 seeded byte, header and length edits: identical tensors or a CheckpointError, nothing else', () => {
    const rng = Rng.of(2026, 11);
    const headerLen = Number(good.readBigUInt64LE(0));
    const counts = { identical: 0, refused: 0 };
    for (let i = 0; i < 400; i++) {
      let m = Buffer.from(good);
      const kind = i % 5;
      if (kind === 0) { // a random byte anywhere
        m[rng.int(m.length)] = rng.int(256);
      } else if (kind === 1) { // a byte inside the JSON header
        m[8 + rng.int(headerLen)] = rng.int(256);
      } else if (kind === 2) { // a digit in the header changed to another digit (offsets, shapes, values)
        const text = m.subarray(8, 8 + headerLen).toString('latin1');
        const digits = [...text].flatMap((c, j) => (c >= '0' && c <= '9' ? [j] : []));
        m[8 + digits[rng.int(digits.length)]] = 0x30 + rng.int(10);
      } else if (kind === 3) { // truncated or extended
        const cut = rng.int(m.length + 16);
        m = cut <= m.length ? m.subarray(0, cut) : Buffer.concat([m, Buffer.alloc(cut - m.length, rng.int(256))]);
      } else { // the length prefix itself
        m.writeBigUInt64LE(BigInt(Math.max(0, headerLen + rng.int(33) - 16)), 0);
        if (rng.uniform() < 0.2) m[rng.int(8)] = rng.int(256);
      }
      let f: ReturnType<typeof decodeSafetensors> | null = null;
      try {
        f = decodeSafetensors(m, 'mutant');
      } catch (e) {
        if (!(e instanceof CheckpointError)) throw new Error(`mutation ${i} (kind ${kind}) raised ${String(e)}`);
        counts.refused++;
      }
      if (f) { same(f); counts.identical++; }
    }
    // Both outcomes happen (an edit in padding or a same-digit edit changes nothing), most edits are refused.
    expect(counts.refused).toBeGreaterThan(300);
    expect(counts.identical).toBeGreaterThan(0);
  });
});
