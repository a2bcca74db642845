/**
 * safetensors files (8-byte little-endian header length, JSON header, raw little-endian data), written
 * atomically: data goes to a temporary file that is fsynced and renamed over the target, so a crash or
 * kill -9 mid-write leaves the previous file intact.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HostTensor } from '../nn/module.js';
import { CortexError } from '../errors.js';

export class CheckpointError extends CortexError {}

const DTYPE_BYTES: Record<string, number> = { F32: 4, I32: 4, I64: 8, F64: 8, F16: 2, BF16: 2, U8: 1, BOOL: 1 };

export interface SafetensorsFile { tensors: Map<string, HostTensor>; metadata: Record<string, string> }

export function encodeSafetensors(tensors: Map<string, HostTensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    const bytes = t.data.length * 4;
    header[name] = { dtype: t.data instanceof Int32Array ? 'I32' : 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keeps the data 8-byte aligned, as the format recommends
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  let at = 8 + head.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, at);
    at += d.byteLength;
  }
  return out;
}

/** Writes `bytes` to `path` atomically (temp file, fsync, rename, fsync of the folder). */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try { const dfd = openSync(dirname(path), 'r'); fsyncSync(dfd); closeSync(dfd); } catch { /* not all filesystems allow it */ }
}

export function writeSafetensors(path: string, tensors: Map<string, HostTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function decodeSafetensors(buf: Uint8Array, file: string): SafetensorsFile {
  const fail = (m: string): never => { throw new CheckpointError(`${file}: ${m}`); };
  if (buf.length < 8) fail(`too short for a safetensors file (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > buf.length - 8) fail(`header length ${n} exceeds the file (${buf.length} bytes): truncated or not safetensors`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try { header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, n).toString('utf8')); } catch (e) { return fail(`header is not JSON (${(e as Error).message})`); }
  const base = 8 + n;
  const metadata = (header.__metadata__ ?? {}) as unknown as Record<string, string>;
  const tensors = new Map<string, HostTensor>();
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const size = DTYPE_BYTES[h.dtype];
    if (!size) fail(`tensor ${name}: dtype ${h.dtype} is not supported`);
    const count = h.shape.reduce((a, b) => a * b, 1);
    const [b, e] = h.data_offsets;
    if (e - b !== count * size) fail(`tensor ${name}: ${e - b} bytes for shape [${h.shape}] of ${h.dtype}`);
    if (base + e > buf.length) fail(`tensor ${name}: data runs past the end of the file (truncated)`);
    const bytes = buf.slice(base + b, base + e);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let data: Float32Array | Int32Array;
    switch (h.dtype) {
      case 'F32': data = new Float32Array(bytes.buffer, bytes.byteOffset, count); break;
      case 'I32': data = new Int32Array(bytes.buffer, bytes.byteOffset, count); break;
      case 'F64': data = Float32Array.from({ length: count }, (_, i) => dv.getFloat64(8 * i, true)); break;
      case 'F16': data = Float32Array.from({ length: count }, (_, i) => halfToFloat(dv.getUint16(2 * i, true))); break;
      case 'BF16': data = Float32Array.from({ length: count }, (_, i) => new Float32Array(new Uint32Array([dv.getUint16(2 * i, true) << 16]).buffer)[0]); break;
      case 'I64': data = Int32Array.from({ length: count }, (_, i) => {
        const v = dv.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) fail(`tensor ${name}: int64 value ${v} does not fit int32`);
        return Number(v);
      }); break;
      default: data = Float32Array.from(bytes); break;
    }
    tensors.set(name, { shape: h.shape, data });
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string): SafetensorsFile {
  let buf: Buffer;
  try { buf = readFileSync(path); } catch (e) { throw new CheckpointError(`${path}: cannot read (${(e as Error).message})`); }
  return decodeSafetensors(buf, path);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
