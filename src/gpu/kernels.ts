/**
 * Kernel metadata read out of the WGSL itself with wgsl_reflect: which bindings an entry point uses
 * (name, binding number, storage/uniform, access) and the byte layout of its `params` uniform struct.
 * There is no second, hand-written copy of bindings or struct offsets.
 */
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { kernelSources } from './kernel-sources.gen.js';
import { GpuValidationError } from '../errors.js';

export type ParamType = 'u32' | 'i32' | 'f32';
export interface ParamField { name: string; offset: number; scalar: ParamType; /** scalars in the field */ count: number }
export interface BindingInfo { name: string; binding: number; kind: 'storage' | 'uniform'; access: 'read' | 'read_write' }
export interface EntryInfo {
  file: string;
  entry: string;
  bindings: BindingInfo[];
  /** The entry point's one uniform binding (its params struct), if any. */
  params: { binding: number; size: number; fields: Map<string, ParamField> } | null;
  overrides: string[];
}

const reflections = new Map<string, WgslReflect>();
const entries = new Map<string, EntryInfo>();

export function kernelSource(file: string): string {
  const src = kernelSources[file];
  if (src === undefined) throw new GpuValidationError(`unknown kernel file kernels/${file}.wgsl`);
  return src;
}

function reflect(file: string): WgslReflect {
  let r = reflections.get(file);
  if (!r) {
    r = new WgslReflect(kernelSource(file));
    reflections.set(file, r);
  }
  return r;
}

interface ReflType { name: string; size: number; format?: ReflType; count?: number; members?: unknown }

function scalarOf(t: ReflType, where: string): { scalar: ParamType; count: number } {
  const base = (n: string): ParamType => {
    if (n === 'u32' || n === 'i32' || n === 'f32') return n;
    throw new GpuValidationError(`${where}: params field type ${n} is not supported (u32/i32/f32, vectors, arrays)`);
  };
  if (t.name === 'array') {
    const inner = scalarOf(t.format!, where);
    return { scalar: inner.scalar, count: inner.count * (t.count ?? 0) };
  }
  if (/^vec[234]/.test(t.name)) {
    const n = Number(t.name[3]);
    const fmt = t.format?.name ?? t.name.match(/<(\w+)>/)?.[1] ?? t.name.slice(4).replace(/[<>]/g, '');
    // vec3 occupies 16 bytes in arrays but we only ever use vec4 arrays; keep the lane count honest.
    return { scalar: base(fmt === 'f' ? 'f32' : fmt === 'u' ? 'u32' : fmt === 'i' ? 'i32' : fmt), count: n };
  }
  return { scalar: base(t.name), count: 1 };
}

/**
 * The values of a kernel file's module-scope integer constants whose names start with `prefix` (e.g. 'UNARY_' →
 * {relu: 0, …}, names lower-cased without the prefix): op codes live in the WGSL, and the host reads them from it.
 */
export function kernelConstants(file: string, prefix: string): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const [name, value] of reflect(file)._constValues) {
    if (name.startsWith(prefix)) out.set(name.slice(prefix.length).toLowerCase(), value);
  }
  if (!out.size) throw new GpuValidationError(`kernels/${file}.wgsl has no constants named ${prefix}*`);
  return out;
}

export function entryInfo(file: string, entry: string): EntryInfo {
  const key = `${file}:${entry}`;
  const hit = entries.get(key);
  if (hit) return hit;
  const r = reflect(file);
  const fn = r.entry.compute.find((e) => e.name === entry);
  if (!fn) throw new GpuValidationError(`kernels/${file}.wgsl has no compute entry point ${entry}`);
  const bindings: BindingInfo[] = [];
  let params: EntryInfo['params'] = null;
  for (const v of fn.resources) {
    if (v.group !== 0) throw new GpuValidationError(`${key}: binding ${v.name} must be in @group(0)`);
    const kind = v.resourceType === 0 ? 'uniform' : 'storage';
    bindings.push({ name: v.name, binding: v.binding, kind, access: v.access === 'read_write' ? 'read_write' : 'read' });
    if (kind === 'uniform') {
      if (params) throw new GpuValidationError(`${key}: an entry point may use one uniform (its params struct)`);
      const t = v.type as unknown as ReflType & { members: { name: string; offset: number; type: ReflType }[] };
      const fields = new Map<string, ParamField>();
      for (const m of t.members) fields.set(m.name, { name: m.name, offset: m.offset, ...scalarOf(m.type, `${key} params.${m.name}`) });
      params = { binding: v.binding, size: t.size, fields };
    }
  }
  bindings.sort((a, b) => a.binding - b.binding);
  const info: EntryInfo = { file, entry, bindings, params, overrides: r.overrides.map((o) => o.name) };
  entries.set(key, info);
  return info;
}

/** Every compute entry point of every kernel file (for compile tests and ahead-of-time warmup). */
export function allEntries(): { file: string; entry: string }[] {
  const out: { file: string; entry: string }[] = [];
  for (const file of Object.keys(kernelSources)) {
    if (file.startsWith('lib/')) continue;
    for (const e of reflect(file).entry.compute) out.push({ file, entry: e.name });
  }
  return out;
}
