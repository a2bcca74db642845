import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatNpy, npyToFloat64, npyToInt32, parseNpy, readNpy, writeNpy, type NpyArray, type NpyDtype,
} from '../../src/data/npy.js';
import { DataError } from '../../src/data/dataset.js';

const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

// Written by numpy 2.4.6, `np.lib.format.write_array(f, a, version=...)`:
const NUMPY = {
  // np.array([[1.5, np.nan, -2], [0, 3.25, 1e30]], dtype='<f4')
  f4: '934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a0000c03f0000c07f000000c00000000000005040caf24971',
  // np.asfortranarray(np.arange(1, 7, dtype='>i4').reshape(2, 3))
  i4BigFortran: '934e554d5059010076007b276465736372273a20273e6934272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000010000000400000002000000050000000300000006',
  // np.array([True, False, True])
  bool: '934e554d5059010076007b276465736372273a20277c6231272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a010001',
  // np.array([-1, 2**40], dtype='>i8'), version (2, 0)
  i8BigV2: '934e554d50590200740000007b276465736372273a20273e6938272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200affffffffffffffff0000010000000000',
  // np.array(7.0, dtype='>f8'), version (3, 0)
  f8ScalarV3: '934e554d50590300740000007b276465736372273a20273e6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a401c000000000000',
  // np.asfortranarray(np.arange(24, dtype='u1').reshape(2, 3, 4))
  u1Fortran3d: '934e554d5059010076007b276465736372273a20277c7531272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c20332c2034292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000c04100814010d05110915020e06120a16030f07130b17',
};

describe('npy: numpy byte fixtures', () => {
  it('reads little-endian f4 with NaN kept', () => {
    const a = parseNpy(hex(NUMPY.f4));
    expect(a.dtype).toBe('f4');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Float32Array)).toEqual([1.5, NaN, -2, 0, 3.25, Math.fround(1e30)]);
  });

  it('reads big-endian Fortran-order i4 into C order', () => {
    const a = parseNpy(hex(NUMPY.i4BigFortran));
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Int32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads a rank-3 Fortran-order u1 array', () => {
    const a = parseNpy(hex(NUMPY.u1Fortran3d));
    expect(a.shape).toEqual([2, 3, 4]);
    expect(Array.from(a.data as Uint8Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('reads bool, big-endian i8 (format 2.0) and a big-endian f8 scalar (format 3.0)', () => {
    expect(Array.from(parseNpy(hex(NUMPY.bool)).data as Uint8Array)).toEqual([1, 0, 1]);
    const i8 = parseNpy(hex(NUMPY.i8BigV2));
    expect(Array.from(i8.data as BigInt64Array)).toEqual([-1n, 2n ** 40n]);
    expect(Array.from(npyToFloat64(i8))).toEqual([-1, 2 ** 40]);
    expect(() => npyToInt32(i8, 'ids.npy')).toThrow(/ids\.npy: data: value 1099511627776 at \[1\] does not fit int32/);
    const s = parseNpy(hex(NUMPY.f8ScalarV3));
    expect(s.shape).toEqual([]);
    expect(Array.from(s.data as Float64Array)).toEqual([7]);
  });

  it('writes files byte-identical to numpy', () => {
    const f4: NpyArray = { dtype: 'f4', shape: [2, 3], data: Float32Array.from([1.5, NaN, -2, 0, 3.25, 1e30]) };
    expect(toHex(formatNpy(f4))).toBe(NUMPY.f4);
    expect(toHex(formatNpy({ dtype: 'i4', shape: [2, 3], data: Int32Array.from([1, 2, 3, 4, 5, 6]) }, { endian: 'big', fortranOrder: true }))).toBe(NUMPY.i4BigFortran);
    expect(toHex(formatNpy({ dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) }))).toBe(NUMPY.bool);
    expect(toHex(formatNpy({ dtype: 'i8', shape: [2], data: BigInt64Array.from([-1n, 2n ** 40n]) }, { endian: 'big', version: 2 }))).toBe(NUMPY.i8BigV2);
    expect(toHex(formatNpy({ dtype: 'f8', shape: [], data: Float64Array.from([7]) }, { endian: 'big', version: 3 }))).toBe(NUMPY.f8ScalarV3);
    const u1 = Uint8Array.from({ length: 24 }, (_, i) => i);
    expect(toHex(formatNpy({ dtype: 'u1', shape: [2, 3, 4], data: u1 }, { fortranOrder: true }))).toBe(NUMPY.u1Fortran3d);
  });
});

describe('npy: round trips', () => {
  const make = (dtype: NpyDtype, n: number): NpyArray['data'] => {
    const v = (i: number): number => (i * 7919) % 251 - 125;
    switch (dtype) {
      case 'f4': return Float32Array.from({ length: n }, (_, i) => (i === 1 ? NaN : v(i) / 8));
      case 'f8': return Float64Array.from({ length: n }, (_, i) => (i === 2 ? NaN : v(i) / 3));
      case 'i4': return Int32Array.from({ length: n }, (_, i) => v(i) * 1e6);
      case 'i8': return BigInt64Array.from({ length: n }, (_, i) => BigInt(v(i)) * 2n ** 50n);
      case 'u1': return Uint8Array.from({ length: n }, (_, i) => v(i) + 125);
      case 'bool': return Uint8Array.from({ length: n }, (_, i) => v(i) & 1);
    }
  };
  const shapes = [[], [1], [7], [3, 1], [2, 3, 4], [1, 17, 3], [0, 5]];
  for (const dtype of ['f4', 'f8', 'i4', 'i8', 'u1', 'bool'] as const) {
    it(`${dtype}: every shape, byte order, layout and version`, () => {
      for (const shape of shapes) {
        const n = shape.reduce((a, b) => a * b, 1);
        const arr: NpyArray = { dtype, shape, data: make(dtype, n) };
        for (const endian of ['little', 'big'] as const) {
          for (const fortranOrder of [false, true]) {
            for (const version of [1, 2, 3] as const) {
              const back = parseNpy(formatNpy(arr, { endian, fortranOrder, version }));
              const what = `${dtype} [${shape}] ${endian} ${fortranOrder ? 'F' : 'C'} v${version}`;
              expect(back.dtype, what).toBe(dtype);
              expect(back.shape, what).toEqual(shape);
              expect(Array.from(back.data as ArrayLike<number>), what).toEqual(Array.from(arr.data as ArrayLike<number>));
            }
          }
        }
      }
    });
  }

  it('readNpy/writeNpy go through files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    try {
      const arr: NpyArray = { dtype: 'f4', shape: [3, 5], data: Float32Array.from({ length: 15 }, (_, i) => i - 7.5) };
      writeNpy(join(dir, 'a.npy'), arr, { fortranOrder: true });
      expect(readNpy(join(dir, 'a.npy'))).toEqual(arr);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('npy: errors name the file and the field', () => {
  const good = hex(NUMPY.f4);
  const withHeader = (dict: string, data = new Uint8Array(0)): Uint8Array => {
    const text = dict.padEnd(117, ' ') + '\n';
    return Uint8Array.from([...good.subarray(0, 10), ...Array.from(text, (c) => c.charCodeAt(0)), ...data]);
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ['bad magic', Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x58, 1, 0, 0, 0]), /x\.npy: magic: not an NPY file/],
    ['short file', good.subarray(0, 5), /x\.npy: magic/],
    ['unknown version', Uint8Array.from([...good.subarray(0, 6), 4, 0, ...good.subarray(8)]), /x\.npy: version: unsupported format version 4\.0/],
    ['truncated header', good.subarray(0, 60), /x\.npy: header: truncated/],
    ['truncated data', good.subarray(0, good.length - 3), /x\.npy: data: truncated: shape \(2, 3\) <f4 needs 24 bytes, 21 present/],
    ['trailing bytes', Uint8Array.from([...good, 0, 0]), /x\.npy: data: 2 unexpected bytes/],
    ['complex dtype', withHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), /x\.npy: descr: unsupported dtype '<c8'/],
    ['object dtype', withHeader("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"), /x\.npy: descr: unsupported dtype '\|O'/],
    ['structured dtype', withHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"), /x\.npy: header: unsupported value/],
    ['native byte order', withHeader("{'descr': '=f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), /x\.npy: descr: byte order '=' is ambiguous/],
    ['missing shape', withHeader("{'descr': '<f4', 'fortran_order': False, }"), /x\.npy: shape: missing from the header/],
    ['bad shape', withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"), /x\.npy: shape: expected a non-negative int/],
    ['invalid UTF-8 in a 3.0 header', Uint8Array.from([...good.subarray(0, 6), 3, 0, 4, 0, 0, 0, 0xff, 0xfe, 0x7b, 0x0a]), /x\.npy: header: not valid UTF-8/],
    ['bad fortran_order', withHeader("{'descr': '<f4', 'fortran_order': 'no', 'shape': (1,), }", new Uint8Array(4)), /x\.npy: fortran_order: expected True or False/],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, () => {
      expect(() => parseNpy(bytes, 'x.npy')).toThrow(DataError);
      expect(() => parseNpy(bytes, 'x.npy')).toThrow(message);
    });
  }

  it('writer rejects data that does not match the dtype or shape', () => {
    expect(() => formatNpy({ dtype: 'f4', shape: [2], data: Float64Array.from([1, 2]) }, {}, 'y.npy')).toThrow(/y\.npy: data: dtype f4 needs a Float32Array, got Float64Array/);
    expect(() => formatNpy({ dtype: 'i4', shape: [3], data: Int32Array.from([1, 2]) }, {}, 'y.npy')).toThrow(/y\.npy: data: 2 elements for shape \[3\]/);
  });

  it('the file name reaches the error through readNpy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    try {
      const path = join(dir, 'cut.npy');
      writeNpy(path, { dtype: 'f8', shape: [4], data: new Float64Array(4) });
      writeFileSync(path, readFileSync(path).subarray(0, 150));
      expect(() => readNpy(path)).toThrow(`${path}: data: truncated`);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
