/**
 * The safetensors format without I/O or hashing (huggingface/safetensors, `Metadata::validate`), so Node
 * (src/io/safetensors.ts) and browser pages (src/io/safetensors-browser.ts) read files by the same rules: parse and
 * check the layout, verify the SHA-256 the caller computes over `digestText` + data, then decode the tensors.
 */
import type { HostTensor } from '../nn/module.js';
import { CortexError } from '../errors.js';

export class CheckpointError extends CortexError {}

export const DTYPE_BYTES: Record<string, number> = { F32: 4, I32: 4, I64: 8, F64: 8, F16: 2, BF16: 2, U8: 1, BOOL: 1 };
const FLOAT_DTYPES = new Set(['F32', 'F64', 'F16', 'BF16']);
/** The reference implementation's bound (safetensors `MAX_HEADER_SIZE`): a header is never larger. */
export const MAX_HEADER_BYTES = 100_000_000;
export const DIGEST_KEY = 'sha256';

export interface SafetensorsFile {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
  /** Each tensor's dtype as stored ('F32', 'I64', …): F64/F16/BF16/U8/BOOL are widened to f32 and I64 narrowed to i32 in `tensors`. */
  dtypes: Map<string, string>;
}

export interface ReadOptions {
  /** Accept NaN/±Inf in float tensors (default: refused, naming the tensor). */
  allowNonFinite?: boolean;
}

export interface Entry { name: string; dtype: string; shape: number[]; begin: number; end: number }

/** A file's checked index, metadata and data bytes, before any tensor is decoded. */
export interface Layout { entries: Entry[]; metadata: Record<string, string>; data: Uint8Array }

/** What the digest covers besides the data: the index (names, dtypes, shapes, offsets) and the metadata other than itself. */
export function digestText(entries: Entry[], metadata: Record<string, string>): string {
  const index = [...entries].sort((a, b) => (a.name < b.name ? -1 : 1)).map((e) => [e.name, e.dtype, e.shape, e.begin, e.end]);
  const meta = Object.keys(metadata).filter((k) => k !== DIGEST_KEY).sort().map((k) => [k, metadata[k]]);
  return JSON.stringify([index, meta]);
}

/** Refuses a layout whose recorded SHA-256 is not `actual` (files without one are not checked). */
export function checkDigest(layout: Layout, file: string, actual: string): void {
  const want = layout.metadata[DIGEST_KEY];
  if (want !== undefined && want !== actual) {
    throw new CheckpointError(`${file}: SHA-256 does not match the contents: the file was modified or damaged after it was written`);
  }
}

/**
 * The top-level keys of a JSON object text in order, duplicates included (JSON.parse keeps only the last of a
 * repeated name, which would let a second entry silently replace a tensor). `text` has already parsed as JSON.
 */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) { keys.push(JSON.parse(text.slice(i, j + 1)) as string); expectKey = false; }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1 && c === '{';
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseEntry(name: string, h: unknown, fail: (m: string) => never): Entry {
  if (typeof h !== 'object' || h === null || Array.isArray(h)) fail(`tensor '${name}': entry is not an object`);
  const { dtype, shape, data_offsets: offsets, ...rest } = h as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length) fail(`tensor '${name}': unexpected field '${extra[0]}'`);
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) fail(`tensor '${name}': dtype ${JSON.stringify(dtype)} is not one of ${Object.keys(DTYPE_BYTES).join(', ')}`);
  if (!Array.isArray(shape) || !shape.every(isIndex)) fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not [begin, end] of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  const size = DTYPE_BYTES[dtype as string];
  if (end - begin !== count * size) fail(`tensor '${name}': ${end - begin} bytes for shape [${shape}] of ${dtype} (${count * size} expected)`);
  return { name, dtype: dtype as string, shape: shape as number[], begin, end };
}

function decodeData(e: Entry, bytes: Uint8Array, fail: (m: string) => never): Float32Array | Int32Array {
  const count = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (e.dtype) {
    case 'F32': return new Float32Array(bytes.buffer, bytes.byteOffset, count);
    case 'I32': return new Int32Array(bytes.buffer, bytes.byteOffset, count);
    case 'F64': return Float32Array.from({ length: count }, (_, i) => dv.getFloat64(8 * i, true));
    case 'F16': return Float32Array.from({ length: count }, (_, i) => halfToFloat(dv.getUint16(2 * i, true)));
    case 'BF16': return Float32Array.from({ length: count }, (_, i) => new Float32Array(new Uint32Array([dv.getUint16(2 * i, true) << 16]).buffer)[0]);
    case 'I64': return Int32Array.from({ length: count }, (_, i) => {
      const v = dv.getBigInt64(8 * i, true);
      if (v > 2147483647n || v < -2147483648n) fail(`tensor '${e.name}': int64 value ${v} does not fit int32`);
      return Number(v);
    });
    default: return Float32Array.from(bytes);
  }
}

export function parseLayout(buf: Uint8Array, file: string): Layout {
  const fail = (m: string): never => { throw new CheckpointError(`${file}: ${m}`); };
  if (buf.length < 8) fail(`too short for a safetensors file (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the format's limit of ${MAX_HEADER_BYTES} bytes`);
  if (n > BigInt(buf.length - 8)) fail(`header length ${n} exceeds the file (${buf.length} bytes): truncated or not safetensors`);
  const headerBytes = Number(n);
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + headerBytes));
    header = JSON.parse(text);
  } catch (e) { return fail(`header is not UTF-8 JSON (${(e as Error).message})`); }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail(`header is ${header === null ? 'null' : typeof header}, not a JSON object`);
  const seen = new Set<string>();
  for (const k of topLevelKeys(text)) {
    if (seen.has(k)) fail(`tensor '${k}' is listed twice`);
    seen.add(k);
  }
  const raw = header as Record<string, unknown>;
  const meta = raw.__metadata__ ?? {};
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || !Object.values(meta).every((v) => typeof v === 'string')) {
    fail('__metadata__ is not an object of strings');
  }
  const metadata = meta as Record<string, string>;
  const entries = Object.entries(raw).filter(([k]) => k !== '__metadata__').map(([k, h]) => parseEntry(k, h, fail));
  // Contiguous and exact: sorted by offset, each tensor starts where the previous one ended, the last ends the file.
  const data = buf.subarray(8 + headerBytes);
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = '';
  for (const e of byOffset) {
    if (e.begin < at) fail(`tensor '${e.name}' overlaps '${prev}' (bytes ${e.begin}–${e.end} vs ending at ${at})`);
    if (e.begin > at) fail(`gap of ${e.begin - at} bytes before tensor '${e.name}' (at data offset ${at})`);
    at = e.end;
    prev = e.name;
  }
  if (at > data.length) fail(`tensor '${prev}': data runs past the end of the file (truncated: ${data.length} of ${at} data bytes)`);
  if (at < data.length) fail(`${data.length - at} trailing bytes after the last tensor`);
  return { entries, metadata, data };
}

/** The tensors of a parsed layout, widened/narrowed to f32/i32; non-finite floats refused unless allowed. */
export function decodeTensors(layout: Layout, file: string, opts: ReadOptions = {}): SafetensorsFile {
  const fail = (m: string): never => { throw new CheckpointError(`${file}: ${m}`); };
  const { entries, metadata, data } = layout;
  const tensors = new Map<string, HostTensor>();
  const dtypes = new Map<string, string>();
  for (const e of entries) {
    // A copy: the typed-array views need an aligned offset, which the file's layout does not promise.
    const values = decodeData(e, new Uint8Array(data.subarray(e.begin, e.end)), fail);
    if (!opts.allowNonFinite && FLOAT_DTYPES.has(e.dtype)) {
      const i = values.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) fail(`tensor '${e.name}' holds a non-finite value (${values[i]} at flat index ${i})`);
    }
    tensors.set(e.name, { shape: e.shape, data: values });
    dtypes.set(e.name, e.dtype);
  }
  return { tensors, metadata, dtypes };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
