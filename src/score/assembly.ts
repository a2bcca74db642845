/**
 * Brain-Score's neural assemblies and stimulus sets as stored on disk (brainio `write_netcdf`): a netCDF4 (HDF5)
 * file with one data variable (dims presentation × neuroid [× time_bin]) and its reset MultiIndex coordinates as
 * 1-D variables, each tied to its dimension by netCDF's `_Netcdf4Coordinates` / `_Netcdf4Dimid` attributes; the
 * stimulus set is a CSV (stimulus_id, filename, labels …) beside its image folder. Read with h5wasm.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { DataError } from '../data/dataset.js';

export type CoordValues = (string | number)[];

export interface Assembly {
  file: string;
  /** Dimension names in the data's order, e.g. ['presentation', 'neuroid', 'time_bin']. */
  dims: string[];
  shape: number[];
  /** Row-major values (NaN kept); all NaN when the data are strings. */
  data: Float64Array;
  /** The values when the data variable holds strings (a BehavioralAssembly's choices). */
  stringData?: string[];
  /** Per dimension, its coordinates by name. */
  coords: Record<string, Record<string, CoordValues>>;
  attrs: Record<string, string | number>;
}

function plain(v: unknown): CoordValues {
  if (v === null || v === undefined) return [];
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return [typeof v === 'bigint' ? Number(v) : v];
  return Array.from(v as ArrayLike<unknown>, (x) => (typeof x === 'bigint' ? Number(x) : (x as string | number)));
}

function attrValue(ds: { attrs: Record<string, { value: unknown }> }, name: string): unknown {
  return ds.attrs[name]?.value;
}

/** Reads a Brain-Score assembly file (.nc); errors name the file and what is missing. */
export async function readAssembly(file: string): Promise<Assembly> {
  if (!existsSync(file)) throw new DataError(`assembly ${file}: no such file`);
  const sig = readFileSync(file).subarray(0, 8);
  if (sig.toString('latin1') !== '\x89HDF\r\n\x1a\n') throw new DataError(`assembly ${file}: not a netCDF4/HDF5 file`);
  await h5wasm.ready;
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h5wasm.File(file, 'r');
  } catch (e) {
    throw new DataError(`assembly ${file}: cannot open as HDF5 (${e instanceof Error ? e.message : String(e)}); truncated or corrupt?`);
  }
  try {
    const dimNames = new Map<number, string>();
    const vars: { name: string; ids: number[]; ds: InstanceType<typeof h5wasm.Dataset> }[] = [];
    for (const name of f.keys()) {
      const ds = f.get(name);
      if (!(ds instanceof h5wasm.Dataset)) continue;
      const dimid = attrValue(ds, '_Netcdf4Dimid');
      if (dimid !== undefined) dimNames.set(Number(plain(dimid)[0]), name);
      const ids = attrValue(ds, '_Netcdf4Coordinates');
      if (ids !== undefined && attrValue(ds, 'CLASS') === undefined) vars.push({ name, ids: plain(ids).map(Number), ds });
    }
    // xarray marks the data variable with a `coordinates` attribute; files without one: the variable with ≥ 2 dims.
    const marked = vars.filter((v) => attrValue(v.ds, 'coordinates') !== undefined);
    const dataVars = marked.length ? marked : vars.filter((v) => v.ids.length >= 2);
    if (dataVars.length !== 1) throw new DataError(`assembly ${file}: expected one data variable, found ${dataVars.map((v) => v.name).join(', ') || 'none'}`);
    const dv = dataVars[0];
    const dims = dv.ids.map((id) => dimNames.get(id) ?? `dim${id}`);
    const shape = dv.ds.shape ?? [];
    const raw = plain(dv.ds.value);
    const stringData = raw.length && typeof raw[0] === 'string' ? raw.map(String) : undefined;
    const data = stringData ? new Float64Array(raw.length).fill(NaN) : Float64Array.from(raw as number[]);
    if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new DataError(`assembly ${file}: ${dv.name} has ${data.length} values for shape [${shape.join(', ')}]`);
    const coords: Assembly['coords'] = Object.fromEntries(dims.map((d) => [d, {}]));
    for (const v of vars) {
      if (v === dv || v.ids.length !== 1) continue;
      const d = dimNames.get(v.ids[0]);
      if (!d || !coords[d]) continue;
      const vals = plain(v.ds.value);
      if (vals.length !== shape[dims.indexOf(d)]) throw new DataError(`assembly ${file}: coordinate ${v.name} has ${vals.length} values, dimension ${d} ${shape[dims.indexOf(d)]}`);
      coords[d][v.name] = vals;
    }
    const attrs: Assembly['attrs'] = {};
    for (const [k, a] of Object.entries(dv.ds.attrs)) {
      if (k.startsWith('_') || k === 'coordinates' || k === 'DIMENSION_LIST') continue;
      const val = plain(a.value);
      if (val.length === 1) attrs[k] = val[0];
    }
    return { file, dims, shape, data, ...(stringData ? { stringData } : {}), coords, attrs };
  } catch (e) {
    if (e instanceof DataError) throw e;
    // h5wasm reports a damaged file as a bare message ('name not defined', a failed read): say which file.
    throw new DataError(`assembly ${file}: unreadable (${e instanceof Error ? e.message : String(e)}); truncated or corrupt?`);
  } finally {
    f.close();
  }
}

/** A coordinate of an assembly dimension, or a DataError naming the file. */
export function coord(a: Assembly, dim: string, name: string): CoordValues {
  const c = a.coords[dim]?.[name];
  if (!c) throw new DataError(`assembly ${a.file}: no coordinate '${name}' on dimension '${dim}' (has ${Object.keys(a.coords[dim] ?? {}).join(', ')})`);
  return c;
}

export interface StimulusSet { file: string; root: string; rows: Record<string, string>[]; byId: Map<string, Record<string, string>> }

/** Reads a stimulus-set CSV (needs stimulus_id and filename columns; quoted fields allowed). */
export function readStimulusSet(file: string, imageRoot = join(dirname(file), 'images')): StimulusSet {
  if (!existsSync(file)) throw new DataError(`stimulus set ${file}: no such file`);
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.length);
  const parse = (l: string) => [...l.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => m[1].replace(/^"|"$/g, '').replace(/""/g, '"'));
  const head = parse(lines[0] ?? '');
  for (const need of ['stimulus_id', 'filename']) if (!head.includes(need)) throw new DataError(`stimulus set ${file}: no '${need}' column (has ${head.join(', ')})`);
  const rows = lines.slice(1).map((l, i) => {
    const v = parse(l);
    if (v.length !== head.length) throw new DataError(`stimulus set ${file}: line ${i + 2} has ${v.length} fields, the header ${head.length}`);
    return Object.fromEntries(head.map((h, k) => [h, v[k]]));
  });
  return { file, root: imageRoot, rows, byId: new Map(rows.map((r) => [r.stimulus_id, r])) };
}

export interface RegionResponses {
  /** Stimulus ids in the order they first appear in the assembly. */
  stimulusIds: string[];
  neuroidIds: string[];
  /** [repetitions, stimuli, neuroids], NaN where a repetition is missing. */
  responses: { data: Float64Array; reps: number; images: number; neurons: number };
}

/**
 * One region's responses: neuroids with `region`, time bins inside [start, end] ms averaged (Brain-Score averages
 * the 1-ms bins of FreemanZiemba2013's 50–200 ms window; MajajHong2015 has one 70–170 ms bin), presentations
 * grouped by stimulus_id and repetition.
 */
export function regionResponses(a: Assembly, region: string, window?: readonly [number, number]): RegionResponses {
  const [P, N] = a.shape;
  const T = a.dims.length > 2 ? a.shape[2] : 1;
  const regions = coord(a, 'neuroid', 'region').map(String);
  const neur = regions.flatMap((r, k) => (r === region ? [k] : []));
  if (!neur.length) throw new DataError(`assembly ${a.file}: no neuroids in region '${region}' (regions: ${[...new Set(regions)].join(', ')})`);
  let bins = Array.from({ length: T }, (_, t) => t);
  if (window && a.dims.length > 2) {
    const s = coord(a, 'time_bin', 'time_bin_start').map(Number), e = coord(a, 'time_bin', 'time_bin_end').map(Number);
    bins = bins.filter((t) => s[t] >= window[0] && e[t] <= window[1]);
    if (!bins.length) throw new DataError(`assembly ${a.file}: no time bins inside ${window[0]}–${window[1]} ms`);
  }
  const sid = coord(a, 'presentation', 'stimulus_id').map(String);
  const rep = a.coords.presentation?.repetition?.map(Number) ?? sid.map(() => 0);
  const stimulusIds = [...new Set(sid)];
  const stimIndex = new Map(stimulusIds.map((s, i) => [s, i]));
  const repValues = [...new Set(rep)].sort((x, y) => x - y);
  const repIndex = new Map(repValues.map((r, i) => [r, i]));
  const R = repValues.length, S = stimulusIds.length, K = neur.length;
  const data = new Float64Array(R * S * K).fill(NaN);
  for (let p = 0; p < P; p++) {
    const at = (repIndex.get(rep[p])! * S + stimIndex.get(sid[p])!) * K;
    if (!Number.isNaN(data[at])) throw new DataError(`assembly ${a.file}: stimulus ${sid[p]} repetition ${rep[p]} appears twice`);
    neur.forEach((k, j) => {
      let s = 0;
      for (const t of bins) s += a.data[(p * N + k) * T + t];
      data[at + j] = s / bins.length;
    });
  }
  const ids = a.coords.neuroid?.neuroid_id?.map(String) ?? neur.map(String);
  return { stimulusIds, neuroidIds: neur.map((k) => ids[k]), responses: { data, reps: R, images: S, neurons: K } };
}
