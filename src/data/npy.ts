/**
 * NPY reader/writer (format versions 1.0, 2.0, 3.0): f4, f8, i4, i8, u1 and bool, either byte order,
 * C or Fortran order. Arrays come back in C order in native typed arrays; NaN payloads are kept.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DataError } from './dataset.js';

export type NpyDtype = 'f4' | 'f8' | 'i4' | 'i8' | 'u1' | 'bool';
export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface NpyArray {
  dtype: NpyDtype;
  /** C-order shape; `[]` is a scalar. */
  shape: number[];
  /** C-order data: f4 Float32Array, f8 Float64Array, i4 Int32Array, i8 BigInt64Array, u1/bool Uint8Array (0/1). */
  data: NpyData;
}

export interface NpyWriteOptions {
  /** Default 1, or 2 when the header exceeds 65535 bytes. 3 only changes the header encoding to UTF-8. */
  version?: 1 | 2 | 3;
  endian?: 'little' | 'big';
  fortranOrder?: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
// NOTE: numpy refuses headers above 10000 bytes by default (`max_header_size`); so do we, since only
// structured dtypes we do not support need more.
const MAX_HEADER = 10000;
const ITEM: Record<NpyDtype, number> = { f4: 4, f8: 8, i4: 4, i8: 8, u1: 1, bool: 1 };

function fail(file: string, field: string, why: string): never {
  throw new DataError(`${file}: ${field}: ${why}`);
}

/** Parse one NPY file held in memory; `file` only names it in errors. */
export function parseNpy(bytes: Uint8Array, file = '<npy>'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail(file, 'magic', 'not an NPY file (expected "\\x93NUMPY")');
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) fail(file, 'version', `unsupported format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail(file, 'header_len', 'file truncated inside the header length');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (headerLen > MAX_HEADER) fail(file, 'header_len', `${headerLen} bytes exceeds the ${MAX_HEADER}-byte limit`);
  if (start + headerLen > bytes.length) fail(file, 'header', `truncated: header needs ${headerLen} bytes, ${bytes.length - start} present`);
  const raw = bytes.subarray(start, start + headerLen);
  let text = '';
  try {
    text = major === 3 ? new TextDecoder('utf-8', { fatal: true }).decode(raw) : String.fromCharCode(...raw);
  } catch {
    fail(file, 'header', 'not valid UTF-8');
  }
  const dict = parseHeaderDict(text, file);
  const { dtype, little } = parseDescr(dict.descr, file);
  if (typeof dict.fortran_order !== 'boolean') fail(file, 'fortran_order', `expected True or False, got ${show(dict.fortran_order)}`);
  const shape = dict.shape;
  if (!Array.isArray(shape)) fail(file, 'shape', `expected a tuple of ints, got ${show(shape)}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count * ITEM[dtype])) fail(file, 'shape', `(${shape.join(', ')}) is too large`);
  const dataStart = start + headerLen;
  const need = count * ITEM[dtype];
  const have = bytes.length - dataStart;
  if (have < need) fail(file, 'data', `truncated: shape (${shape.join(', ')}) ${dict.descr} needs ${need} bytes, ${have} present`);
  if (have > need) fail(file, 'data', `${have - need} unexpected bytes after the array data`);
  const data = decode(view, dataStart, count, dtype, little);
  return { dtype, shape, data: dict.fortran_order && shape.length > 1 ? permute(data, shape, true) : data };
}

export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), path);
}

/** Serialise to NPY bytes. Data is taken in C order; `fortranOrder` only changes the file layout. */
export function formatNpy(arr: NpyArray, opts: NpyWriteOptions = {}, file = '<npy>'): Uint8Array {
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (arr.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(file, 'shape', `invalid shape [${arr.shape.join(', ')}]`);
  if (arr.data.length !== count) fail(file, 'data', `${arr.data.length} elements for shape [${arr.shape.join(', ')}]`);
  checkDataType(arr, file);
  const little = (opts.endian ?? 'little') === 'little';
  const fortran = opts.fortranOrder ?? false;
  const code = arr.dtype === 'bool' ? 'b1' : arr.dtype;
  const order = ITEM[arr.dtype] === 1 ? '|' : little ? '<' : '>';
  const shapeText = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  // NOTE: numpy leaves room to grow the growth axis to 21 digits in place; copying it makes our files byte-identical.
  const growth = arr.shape.length ? 21 - String(arr.shape[fortran ? arr.shape.length - 1 : 0]).length : 0;
  const dict = `{'descr': '${order}${code}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }` + ' '.repeat(growth);
  const version = opts.version ?? (dict.length + 12 > 65535 ? 2 : 1);
  const prefix = version === 1 ? 10 : 12;
  // NOTE: the header is padded with spaces so the data starts on a 64-byte boundary (numpy >= 1.19).
  const headerLen = Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix;
  if (version === 1 && headerLen > 65535) fail(file, 'version', 'header too long for format 1.0');
  const out = new Uint8Array(prefix + headerLen + count * ITEM[arr.dtype]);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) view.setUint16(8, headerLen, true); else view.setUint32(8, headerLen, true);
  const header = dict.padEnd(headerLen - 1, ' ') + '\n';
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  const data = fortran && arr.shape.length > 1 ? permute(arr.data, arr.shape, false) : arr.data;
  encode(view, prefix + headerLen, data, arr.dtype, little);
  return out;
}

export function writeNpy(path: string, arr: NpyArray, opts: NpyWriteOptions = {}): void {
  writeFileSync(path, formatNpy(arr, opts, path));
}

/** Numeric view of any NPY array as f64 (i8 must be exactly representable). */
export function npyToFloat64(arr: NpyArray, file = '<npy>'): Float64Array {
  if (arr.data instanceof BigInt64Array) {
    const out = new Float64Array(arr.data.length);
    for (let i = 0; i < out.length; i++) {
      const v = arr.data[i];
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) fail(file, 'data', `int64 value ${v} is not exactly representable`);
      out[i] = Number(v);
    }
    return out;
  }
  return Float64Array.from(arr.data);
}

/** Integer arrays (i4, or i8 within int32 range) as Int32Array; anything else is an error naming the file. */
export function npyToInt32(arr: NpyArray, file = '<npy>'): Int32Array {
  if (arr.data instanceof Int32Array) return arr.data;
  if (!(arr.data instanceof BigInt64Array) && arr.dtype !== 'u1') fail(file, 'descr', `expected an integer dtype, got ${arr.dtype}`);
  const out = new Int32Array(arr.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Number(arr.data[i]);
    if (v > 0x7fffffff || v < -0x80000000) fail(file, 'data', `value ${arr.data[i]} at [${i}] does not fit int32`);
    out[i] = v;
  }
  return out;
}

type HeaderValue = string | boolean | number[];

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** The header is a Python dict literal; this parses exactly the subset numpy writes. */
function parseHeaderDict(text: string, file: string): Record<string, HeaderValue> {
  let i = 0;
  const ws = (): void => { while (i < text.length && /\s/.test(text[i])) i++; };
  const expect = (c: string): void => {
    ws();
    if (text[i] !== c) fail(file, 'header', `expected '${c}' at offset ${i} in ${JSON.stringify(text.trim())}`);
    i++;
  };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') fail(file, 'header', `expected a string at offset ${i}`);
    const end = text.indexOf(q, i + 1);
    if (end < 0) fail(file, 'header', 'unterminated string');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const value = (): HeaderValue => {
    ws();
    if (text[i] === "'" || text[i] === '"') return str();
    if (text.startsWith('True', i)) { i += 4; return true; }
    if (text.startsWith('False', i)) { i += 5; return false; }
    if (text[i] === '(') {
      i++;
      const dims: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ')') { i++; return dims; }
        const m = /^(\d+)L?/.exec(text.slice(i));
        if (!m) fail(file, 'shape', `expected a non-negative int at offset ${i}`);
        dims.push(Number(m[1]));
        i += m[0].length;
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail(file, 'shape', `expected ',' or ')' at offset ${i}`);
      }
    }
    return fail(file, 'header', `unsupported value at offset ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
  };
  const out: Record<string, HeaderValue> = {};
  expect('{');
  for (;;) {
    ws();
    if (text[i] === '}') break;
    const key = str();
    expect(':');
    out[key] = value();
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(file, 'header', `expected ',' or '}' at offset ${i}`);
  }
  for (const k of ['descr', 'fortran_order', 'shape']) if (!(k in out)) fail(file, k, 'missing from the header');
  return out;
}

function parseDescr(descr: HeaderValue, file: string): { dtype: NpyDtype; little: boolean } {
  if (typeof descr !== 'string') fail(file, 'descr', `structured dtypes are not supported (${show(descr)})`);
  const m = /^([<>|=]?)([a-zA-Z]\d+)$/.exec(descr);
  const codes: Record<string, NpyDtype> = { f4: 'f4', f8: 'f8', i4: 'i4', i8: 'i8', u1: 'u1', b1: 'bool' };
  const dtype = m ? codes[m[2]] : undefined;
  if (!m || !dtype) fail(file, 'descr', `unsupported dtype '${descr}' (supported: f4, f8, i4, i8, u1, b1)`);
  // NOTE: '=' (native) never appears in files numpy writes; refusing it avoids guessing the writer's endianness.
  if (m[1] === '=' || (m[1] === '|' && ITEM[dtype] > 1)) fail(file, 'descr', `byte order '${m[1]}' is ambiguous for '${descr}'`);
  return { dtype, little: m[1] !== '>' };
}

function decode(view: DataView, off: number, n: number, dtype: NpyDtype, little: boolean): NpyData {
  switch (dtype) {
    case 'f4': { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = view.getFloat32(off + 4 * i, little); return a; }
    case 'f8': { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = view.getFloat64(off + 8 * i, little); return a; }
    case 'i4': { const a = new Int32Array(n); for (let i = 0; i < n; i++) a[i] = view.getInt32(off + 4 * i, little); return a; }
    case 'i8': { const a = new BigInt64Array(n); for (let i = 0; i < n; i++) a[i] = view.getBigInt64(off + 8 * i, little); return a; }
    case 'u1': return new Uint8Array(view.buffer, view.byteOffset + off, n).slice();
    case 'bool': { const a = new Uint8Array(n); for (let i = 0; i < n; i++) a[i] = view.getUint8(off + i) ? 1 : 0; return a; }
  }
}

function encode(view: DataView, off: number, data: NpyData, dtype: NpyDtype, little: boolean): void {
  const n = data.length;
  switch (dtype) {
    case 'f4': for (let i = 0; i < n; i++) view.setFloat32(off + 4 * i, data[i] as number, little); break;
    case 'f8': for (let i = 0; i < n; i++) view.setFloat64(off + 8 * i, data[i] as number, little); break;
    case 'i4': for (let i = 0; i < n; i++) view.setInt32(off + 4 * i, data[i] as number, little); break;
    case 'i8': for (let i = 0; i < n; i++) view.setBigInt64(off + 8 * i, data[i] as bigint, little); break;
    case 'u1': for (let i = 0; i < n; i++) view.setUint8(off + i, data[i] as number); break;
    case 'bool': for (let i = 0; i < n; i++) view.setUint8(off + i, data[i] ? 1 : 0); break;
  }
}

function checkDataType(arr: NpyArray, file: string): void {
  const want = { f4: Float32Array, f8: Float64Array, i4: Int32Array, i8: BigInt64Array, u1: Uint8Array, bool: Uint8Array }[arr.dtype];
  if (!(arr.data instanceof want)) fail(file, 'data', `dtype ${arr.dtype} needs a ${want.name}, got ${arr.data.constructor.name}`);
}

/**
 * Reorders between C and Fortran layouts. `fromFortran`: the input is Fortran-ordered and the result is C-ordered
 * (otherwise the reverse); both walk the C index while the Fortran offset is kept incrementally.
 */
function permute<T extends NpyData>(src: T, shape: number[], fromFortran: boolean): T {
  const n = src.length;
  const dst = new (src.constructor as new (len: number) => T)(n);
  const rank = shape.length;
  const fStride = new Array<number>(rank);
  for (let d = 0, s = 1; d < rank; d++) { fStride[d] = s; s *= shape[d]; }
  const idx = new Array<number>(rank).fill(0);
  let f = 0;
  for (let c = 0; c < n; c++) {
    if (fromFortran) dst[c] = src[f]; else dst[f] = src[c];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      f += fStride[d];
      if (idx[d] < shape[d]) break;
      f -= fStride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return dst;
}
