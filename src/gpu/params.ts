/** Packs a kernel's params uniform from named values, at the offsets reflected from the WGSL struct. */
import type { EntryInfo } from './kernels.js';
import { GpuValidationError } from '../errors.js';

export type ParamValue = number | boolean | ArrayLike<number>;
export type ParamValues = Record<string, ParamValue>;

export function packParams(info: EntryInfo, values: ParamValues, into: DataView, base: number): void {
  const p = info.params!;
  for (const [name, f] of p.fields) {
    const v = values[name];
    if (v === undefined) {
      if (name.startsWith('_pad')) continue;
      throw new GpuValidationError(`${info.file}:${info.entry}: missing param ${name}`);
    }
    const arr: ArrayLike<number> = typeof v === 'number' || typeof v === 'boolean' ? [Number(v)] : v;
    if (arr.length > f.count) {
      throw new GpuValidationError(`${info.file}:${info.entry}: param ${name} has ${arr.length} values, field holds ${f.count}`);
    }
    for (let i = 0; i < arr.length; i++) {
      const off = base + f.offset + 4 * i;
      const x = arr[i];
      if (f.scalar === 'f32') into.setFloat32(off, x, true);
      else if (f.scalar === 'u32') {
        if (!(x >= 0 && x <= 0xffffffff) || !Number.isInteger(x)) {
          throw new GpuValidationError(`${info.file}:${info.entry}: param ${name}[${i}] = ${x} is not a u32`);
        }
        into.setUint32(off, x, true);
      } else into.setInt32(off, x, true);
    }
  }
  for (const name of Object.keys(values)) {
    if (!p.fields.has(name)) throw new GpuValidationError(`${info.file}:${info.entry}: params has no field ${name}`);
  }
}
