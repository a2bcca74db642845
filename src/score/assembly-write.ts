/**
 * Writes an assembly the way brainio's `write_netcdf` leaves it on disk (xarray `DataArray.to_netcdf` through
 * netCDF4 on an assembly whose MultiIndex coordinates were reset): one HDF5 dimension-scale dataset per dimension
 * (netCDF's "dimension but not a variable", with `_Netcdf4Dimid`), every coordinate a 1-D dataset attached to its
 * dimension with `_Netcdf4Coordinates`, and the data variable `__xarray_dataarray_variable__` naming them in its
 * `coordinates` attribute. Written with h5wasm into a temporary file renamed into place, so a reader never sees a
 * half-written assembly; `readAssembly` (and xarray) read it back.
 */
import { renameSync, rmSync } from 'node:fs';
import h5wasm from 'h5wasm/node';
import { ShapeError } from '../errors.js';
import type { CoordValues } from './assembly.js';

export interface AssemblyToWrite {
  /** Dimension names in the data's order, e.g. ['presentation', 'neuroid', 'time_bin'] or ['presentation']. */
  dims: string[];
  shape: number[];
  /** Row-major numbers, or strings (a BehavioralAssembly's choices). */
  data: ArrayLike<number> | readonly string[];
  /** Per dimension, its coordinates by name (numbers are written as int64 when all are integers, else float64). */
  coords: Record<string, Record<string, CoordValues>>;
  attrs?: Record<string, string | number>;
}

const DATA_VAR = '__xarray_dataarray_variable__';
/** netCDF-C's NAME for a dimension without a coordinate variable (padded with the length, as it writes). */
const dimName = (n: number) => `This is a netCDF dimension but not a netCDF variable.${String(n).padStart(10)}`;

type H5File = InstanceType<typeof h5wasm.File>;

function createVariable(f: H5File, name: string, values: CoordValues | ArrayLike<number> | readonly string[], shape: number[]) {
  const arr = Array.from(values as ArrayLike<string | number>);
  if (arr.every((v) => typeof v === 'string')) return f.create_dataset({ name, data: arr as string[], shape });
  if (!arr.every((v) => typeof v === 'number')) throw new ShapeError(`assembly variable ${name}: mixes strings and numbers`);
  const nums = arr as number[];
  if (nums.every((v) => Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER)) {
    return f.create_dataset({ name, data: BigInt64Array.from(nums, (v) => BigInt(v)), shape, dtype: '<q' });
  }
  return f.create_dataset({ name, data: Float64Array.from(nums), shape, dtype: '<d' });
}

export async function writeAssembly(file: string, a: AssemblyToWrite): Promise<void> {
  const total = a.shape.reduce((x, y) => x * y, 1);
  if (a.dims.length !== a.shape.length || a.data.length !== total) {
    throw new ShapeError(`assembly ${file}: ${a.data.length} values for dims [${a.dims.join(', ')}] of shape [${a.shape.join(', ')}]`);
  }
  const coordNames: string[] = [];
  for (const [d, cs] of Object.entries(a.coords)) {
    const k = a.dims.indexOf(d);
    if (k < 0) throw new ShapeError(`assembly ${file}: coordinates on unknown dimension '${d}'`);
    for (const [name, v] of Object.entries(cs)) {
      if (v.length !== a.shape[k]) throw new ShapeError(`assembly ${file}: coordinate ${name} has ${v.length} values, dimension ${d} ${a.shape[k]}`);
      if (a.dims.includes(name) || name === DATA_VAR || coordNames.includes(name)) throw new ShapeError(`assembly ${file}: coordinate name '${name}' is not unique`);
      coordNames.push(name);
    }
  }
  await h5wasm.ready;
  const tmp = `${file}.tmp-${process.pid}`;
  const f = new h5wasm.File(tmp, 'w');
  try {
    a.dims.forEach((d, id) => {
      const ds = f.create_dataset({ name: d, data: new Float32Array(a.shape[id]), shape: [a.shape[id]], dtype: '<f' });
      ds.make_scale(dimName(a.shape[id]));
      ds.create_attribute('_Netcdf4Dimid', new Int32Array([id]), [], '<i');
    });
    for (const [d, cs] of Object.entries(a.coords)) {
      const id = a.dims.indexOf(d);
      for (const [name, v] of Object.entries(cs)) {
        const ds = createVariable(f, name, v, [a.shape[id]]);
        ds.create_attribute('_Netcdf4Coordinates', new Int32Array([id]), [1], '<i');
        ds.attach_scale(0, d);
      }
    }
    const dv = createVariable(f, DATA_VAR, a.data, a.shape);
    if (typeof a.data[0] === 'number') dv.create_attribute('_FillValue', new Float64Array([NaN]), [1], '<d');
    dv.create_attribute('_Netcdf4Coordinates', Int32Array.from(a.dims, (_, i) => i), [a.dims.length], '<i');
    a.dims.forEach((d, i) => dv.attach_scale(i, d));
    for (const [k, v] of Object.entries(a.attrs ?? {})) dv.create_attribute(k, v);
    dv.create_attribute('coordinates', coordNames.join(' '));
  } catch (e) {
    f.close();
    rmSync(tmp, { force: true });
    throw e;
  }
  f.close();
  renameSync(tmp, file);
}
