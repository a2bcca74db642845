/**
 * The built-in benchmarks on disk, in Brain-Score's file layout, so that the first `score` run reads them through
 * the same loaders as real recordings: per dataset a folder with `assembly.nc` (brainio's netCDF4 layout,
 * assembly-write.ts), `stimulus_set.csv` (stimulus_id, filename, labels) and `images/`. FreemanZiemba2013-style
 * V1 + V2 in one assembly with 50-ms time bins (the 50–200 ms window is averaged on reading, the 0–50 ms bin holds
 * baseline counts it must leave out); MajajHong2015-style V4 + IT with one 70–170 ms bin and HvM variations
 * (public 0/3, private 6); the objectome-style behavioural assembly (one string choice per trial) with its test
 * and fitting stimulus sets. `manifest.json` records the generator and its layers (the ground truth).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import type { Image } from '../data/dataset.js';
import { DataError } from '../data/dataset.js';
import { encodePng, readImage } from '../data/image-io.js';
import { GRCNN, GRCNN_PRESETS } from '../models/grcnn.js';
import { Rng } from '../random/rng.js';
import { poissonInverse } from '../data/sim-v1.js';
import { readAssembly, readStimulusSet, regionResponses, coord } from './assembly.js';
import { writeAssembly } from './assembly-write.js';
import type { BehaviorTrials } from './behavior.js';
import { BENCHMARKS, MAJAJHONG_PUBLIC_VARIATIONS, type BenchmarkData, type ModelInput } from './benchmarks.js';
import { simulatedRegion, simulatedV1, type SimulatedOptions } from './simulated.js';
import { simulatedObserver, type LabelledImages, type ObserverOptions } from './simulated-observer.js';

export const GENERATING_LAYERS = { V2: 'layer1', V4: 'layer2', IT: 'layer3', behavior: 'avgpool' } as const;
const FOLDER = { v1: 'freemanziemba2013', v2: 'freemanziemba2013', v4: 'majajhong2015', it: 'majajhong2015' } as const;
const FZ_BINS: [number, number][] = [[0, 50], [50, 100], [100, 150], [150, 200]];

export interface BuiltinOptions extends SimulatedOptions { behavior?: ObserverOptions }

function csvField(v: string): string { return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v; }

function writeStimuli(dir: string, rows: Record<string, string | number>[], images: readonly Image[]): void {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const head = Object.keys(rows[0]);
  writeFileSync(join(dir, 'stimulus_set.csv'), `${[head.join(','), ...rows.map((r) => head.map((h) => csvField(String(r[h]))).join(','))].join('\n')}\n`);
  rows.forEach((r, i) => writeFileSync(join(dir, 'images', String(r.filename)), encodePng(images[i])));
}

/** Two regions on the same stimuli as one assembly: presentations repetition-major, neuroids region by region. */
async function writeNeural(file: string, ids: string[], regions: { region: string; data: BenchmarkData }[], bins: [number, number][], window: readonly [number, number], seed: number): Promise<void> {
  const { reps, images: S } = regions[0].data.responses;
  const K = regions.reduce((s, r) => s + r.data.responses.neurons, 0), T = bins.length, P = reps * S;
  const data = new Float64Array(P * K * T);
  const rng = Rng.of(seed, 0xba5e);
  let k0 = 0;
  for (const { data: d } of regions) {
    const { neurons: N, data: resp } = d.responses;
    for (let r = 0; r < reps; r++) for (let i = 0; i < S; i++) for (let n = 0; n < N; n++) {
      const v = resp[(r * S + i) * N + n];
      bins.forEach(([s, e], t) => { data[((r * S + i) * K + k0 + n) * T + t] = s >= window[0] && e <= window[1] ? v : poissonInverse(2, rng.uniform()); });
    }
    k0 += N;
  }
  const neuroidRegion = regions.flatMap(({ region, data: d }) => Array.from({ length: d.responses.neurons }, () => region));
  await writeAssembly(file, {
    dims: ['presentation', 'neuroid', 'time_bin'], shape: [P, K, T], data,
    coords: {
      presentation: { stimulus_id: Array.from({ length: P }, (_, p) => ids[p % S]), repetition: Array.from({ length: P }, (_, p) => Math.floor(p / S)) },
      neuroid: { neuroid_id: neuroidRegion.map((r, k) => `${r}_${k}`), region: neuroidRegion },
      time_bin: { time_bin_start: bins.map((b) => b[0]), time_bin_end: bins.map((b) => b[1]) },
    },
    attrs: { stimulus_set_identifier: 'cortexgpu.simulated' },
  });
}

/** Writes the built-in benchmarks under `dir` (generated from the seeded GRCNN-small) and returns `dir`. */
export async function writeBuiltinData(engine: Engine, dir: string, o: BuiltinOptions = {}): Promise<string> {
  const gen = new GRCNN(engine, { ...GRCNN_PRESETS['grcnn-small'] });
  const input: ModelInput = { size: 64, channels: 1 };
  try {
    const v1 = simulatedV1(o);
    const v2 = await simulatedRegion(engine, gen, input, 'v2', GENERATING_LAYERS.V2, o);
    const fz = join(dir, FOLDER.v1);
    const fzIds = v1.labels.map((_, i) => `fz${String(i).padStart(4, '0')}`);
    writeStimuli(fz, fzIds.map((id, i) => ({ stimulus_id: id, filename: `${id}.png`, texture_type: v1.labels[i], access: v1.isPublic[i] ? 'public' : 'private' })),
      fzIds.map((_, i) => v1.stimulus(i)));
    await writeNeural(join(fz, 'assembly.nc'), fzIds, [{ region: 'V1', data: v1 }, { region: 'V2', data: v2 }], FZ_BINS, BENCHMARKS.v1.window, o.seed ?? 0);

    const v4 = await simulatedRegion(engine, gen, input, 'v4', GENERATING_LAYERS.V4, o);
    const it = await simulatedRegion(engine, gen, input, 'it', GENERATING_LAYERS.IT, o);
    const mh = join(dir, FOLDER.it);
    const mhIds = v4.labels.map((_, i) => `hvm${String(i).padStart(4, '0')}`);
    let pubCount = 0;
    writeStimuli(mh, mhIds.map((id, i) => ({ stimulus_id: id, filename: `${id}.png`, object_name: v4.labels[i],
      variation: v4.isPublic[i] ? MAJAJHONG_PUBLIC_VARIATIONS[pubCount++ % 2] : 6 })), mhIds.map((_, i) => v4.stimulus(i)));
    await writeNeural(join(mh, 'assembly.nc'), mhIds, [{ region: 'V4', data: v4 }, { region: 'IT', data: it }], [[70, 170]], BENCHMARKS.it.window, o.seed ?? 0);

    const beh = await simulatedObserver(engine, gen, input, { seed: o.seed, layer: GENERATING_LAYERS.behavior, ...o.behavior });
    const rj = join(dir, 'rajalingham2018');
    writeStimuli(rj, beh.test.ids.map((id, i) => ({ stimulus_id: id, filename: `${id}.png`, object_name: beh.test.labels[i] })), beh.test.images);
    writeStimuli(join(rj, 'fitting'), beh.fitting.ids.map((id, i) => ({ stimulus_id: id, filename: `${id}.png`, image_label: beh.fitting.labels[i] })), beh.fitting.images);
    const t = beh.trials;
    await writeAssembly(join(rj, 'assembly.nc'), {
      dims: ['presentation'], shape: [t.choice.length], data: t.choice,
      coords: { presentation: { stimulus_id: t.stimulusId, sample_obj: t.sampleObj, dist_obj: t.distObj, truth: t.sampleObj, choice: t.choice,
        worker_id: t.choice.map((_, i) => `sim${i % 7}`) } },
      attrs: { stimulus_set_identifier: 'cortexgpu.simulated.objectome' },
    });
    writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify({ generator: 'grcnn-small (seed 0, untrained)', generatingLayers: { V1: 'sim-v1 Gabor cells', ...GENERATING_LAYERS }, options: o }, null, 2)}\n`);
    return dir;
  } finally {
    gen.dispose();
  }
}

function imageLoader(root: string, files: string[]): (i: number) => Image {
  const cache = new Map<number, Image>();
  return (i) => {
    let im = cache.get(i);
    if (!im) { im = readImage(join(root, files[i]), 1); cache.set(i, im); }
    return im;
  };
}

/**
 * One neural benchmark from a folder in Brain-Score's layout (the built-in one or a real download): the region's
 * responses, stimuli in the assembly's order, labels from the stimulus set (texture_type / object_name) and the
 * public split (an `access` column, else MajajHong's variations 0 and 3).
 */
export async function readNeuralBenchmark(dir: string, key: 'v1' | 'v2' | 'v4' | 'it'): Promise<BenchmarkData> {
  const def = BENCHMARKS[key];
  const folder = join(dir, FOLDER[key]);
  const a = await readAssembly(join(folder, 'assembly.nc'));
  const set = readStimulusSet(join(folder, 'stimulus_set.csv'));
  const r = regionResponses(a, def.region, def.window);
  const rows = r.stimulusIds.map((id) => {
    const row = set.byId.get(id);
    if (!row) throw new DataError(`${set.file}: no row for stimulus ${id} of ${a.file}`);
    if (!(def.stratify in row)) throw new DataError(`${set.file}: no '${def.stratify}' column to stratify ${def.id} on`);
    return row;
  });
  return {
    def, labels: rows.map((row) => row[def.stratify]),
    isPublic: rows.map((row) => ('access' in row ? row.access === 'public' : MAJAJHONG_PUBLIC_VARIATIONS.includes(Number(row.variation)))),
    stimulus: imageLoader(set.root, rows.map((row) => row.filename)), responses: r.responses,
  };
}

export interface BehaviorBenchmark {
  trials: BehaviorTrials;
  test: LabelledImages & { stimulus: (i: number) => Image };
  fitting: LabelledImages & { stimulus: (i: number) => Image };
}

function labelled(dir: string, column: string): LabelledImages & { stimulus: (i: number) => Image } {
  const set = readStimulusSet(join(dir, 'stimulus_set.csv'));
  if (!set.rows.length || !(column in set.rows[0])) throw new DataError(`${set.file}: no '${column}' column`);
  const stimulus = imageLoader(set.root, set.rows.map((r) => r.filename));
  return { ids: set.rows.map((r) => r.stimulus_id), labels: set.rows.map((r) => r[column]), images: [], stimulus };
}

/** The objectome-layout behavioural benchmark: trials from the BehavioralAssembly, test and fitting stimulus sets. */
export async function readBehaviorBenchmark(dir: string): Promise<BehaviorBenchmark> {
  const folder = join(dir, 'rajalingham2018');
  const a = await readAssembly(join(folder, 'assembly.nc'));
  if (!a.stringData) throw new DataError(`assembly ${a.file}: expected one chosen object (a string) per trial`);
  const s = (name: string) => coord(a, 'presentation', name).map(String);
  const trials: BehaviorTrials = { stimulusId: s('stimulus_id'), sampleObj: s('sample_obj'), distObj: s('dist_obj'), choice: a.stringData };
  return { trials, test: labelled(folder, 'object_name'), fitting: labelled(join(folder, 'fitting'), 'image_label') };
}

/** The built-in data folder, written once (regenerated when its manifest is missing). */
export async function builtinData(engine: Engine, dir: string, o: BuiltinOptions = {}): Promise<string> {
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest)) {
    const saved = JSON.parse(readFileSync(manifest, 'utf8')).options;
    if (JSON.stringify(saved) === JSON.stringify(o)) return dir;
  }
  return writeBuiltinData(engine, dir, o);
}
