/**
 * safetensors files (8-byte little-endian header length, JSON header, raw little-endian data) on Node.
 *
 * Writes are atomic (src/io/fs.ts) and carry a SHA-256 of the tensor index, metadata and data in the metadata,
 * so any edit of a file we wrote is caught. Reads follow the format's own rules (src/io/safetensors-format.ts) and
 * trust nothing in the header. Every failure is a CheckpointError naming the file and the tensor or field.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HostTensor } from '../nn/module.js';
import { writeFileAtomic } from './fs.js';
import { CheckpointError, checkDigest, decodeTensors, DIGEST_KEY, digestText, parseLayout, type Entry, type ReadOptions, type SafetensorsFile } from './safetensors-format.js';

export { CheckpointError, MAX_HEADER_BYTES, type ReadOptions, type SafetensorsFile } from './safetensors-format.js';

function digest(entries: Entry[], metadata: Record<string, string>, data: Uint8Array): string {
  return createHash('sha256').update(digestText(entries, metadata)).update(data).digest('hex');
}

export function encodeSafetensors(tensors: Map<string, HostTensor>, metadata: Record<string, string> = {}): Buffer {
  const names = [...tensors.keys()].sort();
  const entries: Entry[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const bytes = t.data.length * 4;
    entries.push({ name, dtype: t.data instanceof Int32Array ? 'I32' : 'F32', shape: [...t.shape], begin: offset, end: offset + bytes });
    offset += bytes;
  }
  const data = Buffer.alloc(offset);
  for (const [i, name] of names.entries()) {
    const d = tensors.get(name)!.data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(data, entries[i].begin);
  }
  const meta = { ...metadata };
  delete meta[DIGEST_KEY];
  meta[DIGEST_KEY] = digest(entries, meta, data);
  const header: Record<string, unknown> = { __metadata__: meta };
  for (const e of entries) header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keeps the data 8-byte aligned, as the format recommends
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  data.copy(out, 8 + head.length);
  return out;
}

export function writeSafetensors(path: string, tensors: Map<string, HostTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function decodeSafetensors(buf: Uint8Array, file: string, opts: ReadOptions = {}): SafetensorsFile {
  const layout = parseLayout(buf, file);
  if (layout.metadata[DIGEST_KEY] !== undefined) checkDigest(layout, file, digest(layout.entries, layout.metadata, layout.data));
  return decodeTensors(layout, file, opts);
}

export function readSafetensors(path: string, opts: ReadOptions = {}): SafetensorsFile {
  let buf: Buffer;
  try { buf = readFileSync(path); } catch (e) { throw new CheckpointError(`${path}: cannot read (${(e as Error).message})`); }
  return decodeSafetensors(buf, path, opts);
}
