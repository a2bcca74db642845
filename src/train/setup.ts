/** Builds what a training config names: datasets, sample transforms, the model and the optimiser. */
import type { Engine } from '../engine.js';
import type { Dataset, Image } from '../data/dataset.js';
import type { SampleTransform } from '../data/loader.js';
import { classToSuperclass, GEIRHOS_16, groupByName, groupByWnid, RESTRICTED_IMAGENET, type ClassGrouping, type Superclasses } from '../data/superclasses.js';
import { DataError } from '../data/dataset.js';
import { ConfigError } from '../errors.js';
import { SynthObjects } from '../data/synth-objects.js';
import { imageFolderSplits } from '../data/image-folder.js';
import { TinyImageNet } from '../data/tiny-imagenet.js';
import { fashionMnist } from '../data/idx.js';
import { subset } from '../data/dataset.js';
import { centerCrop, compose, normStats, normalize, normalizeImage, augment, resize, resizeShorter, type Transform } from '../data/transforms.js';
import { augmixViews } from '../data/augmix.js';
import { bankSource, proceduralSource, TextureFolder, textureNoiseViews, type ImageSource } from '../data/texture-sources.js';
import { Rng } from '../random/rng.js';
import { phaseRandomize } from '../ops/fft.js';
import { streamKey } from '../random/pcg.js';
import type { GRCNN } from '../models/grcnn.js';
import { createGrcnn } from '../models/factory.js';
import type { TrainConfig } from './config.js';
import type { SuperclassMap } from './step.js';

export interface DataSplits {
  train: Dataset; val: Dataset; channels: number; size: number;
  /** The grouping the data set ships (synth-objects-64), or null. */
  superclasses: Superclasses | null;
  /** What names each class in a superclass map: Tiny ImageNet's wnids, ImageFolder's folder names, else the class names. */
  classIds: readonly string[];
  /** Shorter side before the evaluation centre crop (data.evalResize). */
  evalResize?: number;
}

export function buildData(cfg: TrainConfig): DataSplits {
  const d = cfg.data;
  switch (d.kind) {
    case 'synth-objects-64': {
      // 'learn' sizes are filled in by parseTrainConfig; SynthObjects knows only the canonical profiles.
      const size = d.imageSize ?? 64;
      const opts = { profile: d.profile === 'learn' ? 'ci' as const : d.profile, seed: d.seed, hard: d.hard, imageSize: size, rms: d.rms };
      const train = new SynthObjects({ ...opts, split: 'train', perClass: d.perClass });
      const val = new SynthObjects({ ...opts, split: 'val', perClass: d.valPerClass });
      return { train, val, superclasses: train.superclasses, classIds: train.classNames, channels: 1, size, evalResize: d.evalResize };
    }
    case 'image-folder': {
      const ch = d.grayscale ? 1 : 3;
      const splits = imageFolderSplits(d.train, d.val, { channels: ch });
      return { ...splits, superclasses: null, classIds: splits.train.classNames, channels: ch, size: d.imageSize, evalResize: d.evalResize };
    }
    case 'tiny-imagenet': {
      const ch = d.grayscale ? 1 : 3;
      const train = TinyImageNet.open(d.root, 'train', { channels: ch });
      return { train, val: TinyImageNet.open(d.root, 'val', { channels: ch }), superclasses: null, classIds: train.wnids, channels: ch,
        size: d.imageSize, evalResize: d.evalResize };
    }
    case 'fashion-mnist': {
      const limit = (ds: Dataset, n?: number) => (n && n < ds.size ? subset(ds, Int32Array.from({ length: n }, (_, i) => i)) : ds);
      const train = limit(fashionMnist('train', d.dir), d.trainLimit);
      return { train, val: limit(fashionMnist('test', d.dir), d.testLimit), superclasses: null, classIds: train.classNames, channels: 1, size: 28 };
    }
  }
}

function normalisation(channels: number): Transform {
  return normalize(...normStats(channels));
}

function fit(size: number): Transform {
  return (img: Image) => (img.shape[1] === size && img.shape[2] === size ? img : resize(img, size, size));
}

/**
 * The noise twins of the fine-tuning data: textures phase-randomised on the GPU (FFT kernels), keeping each
 * texture's amplitude spectrum. Made once per run from the run's seed.
 */
async function noiseTwins(engine: Engine, textures: ImageSource, count: number, channels: number, seed: number): Promise<Image[]> {
  const size = 64; // a power of two for the FFT; cropTo fits the twins to the data's size
  const rng = Rng.of(seed, 0x7e57);
  const bank = Array.from({ length: count }, (_, i) => textures(rng.fork(i), [channels, size, size]));
  const flat = new Float32Array(count * channels * size * size);
  bank.forEach((img, i) => flat.set(img.data, i * img.data.length));
  const noise = engine.noGrad(() => engine.scope(() => phaseRandomize(engine.tensor(flat, [count, channels, size, size]), streamKey(seed, 0x7e57))));
  const data = (await noise.read()) as Float32Array;
  noise.dispose();
  const per = channels * size * size;
  // Phase randomisation can push values past [0, 1]; clamp to the uint8 range of the original's images
  // (randphase's np.uint8 cast would wrap them; clamping is our choice).
  return bank.map((_, i) => ({ data: data.slice(i * per, (i + 1) * per).map((v) => Math.min(1, Math.max(0, v))), shape: [channels, size, size] }));
}

/**
 * The class → superclass map `train.superclass` names, over the data's classes; null without a superclass term.
 * Throws ConfigError naming the field when the map does not fit the data.
 */
export function superclassMap(cfg: TrainConfig, data: DataSplits): SuperclassMap | null {
  const sc = cfg.train.superclass;
  if (!sc) return null;
  const field = 'train.superclass.map';
  const label = typeof sc.map === 'string' ? `'${sc.map}'` : 'the map';
  let g: ClassGrouping;
  if (sc.map === 'dataset') {
    if (!data.superclasses) throw new ConfigError(`${field}: data '${cfg.data.kind}' ships no superclass grouping; name one ('geirhos-16', 'restricted-imagenet') or write { "<superclass>": [<class folder or wnid>, …] }`);
    const superOf = classToSuperclass(data.superclasses, data.train.numClasses);
    g = { superclasses: data.superclasses, unmapped: [...superOf.keys()].filter((c) => superOf[c] < 0) };
  } else if (typeof sc.map === 'string') {
    g = groupByWnid(sc.map === 'geirhos-16' ? GEIRHOS_16 : RESTRICTED_IMAGENET, data.classIds);
  } else {
    try { g = groupByName(sc.map, data.classIds); } catch (e) {
      if (e instanceof DataError) throw new ConfigError(`${field}: ${e.message}`);
      throw e;
    }
  }
  const name = (c: number) => data.classIds[c] + (data.train.classNames[c] !== data.classIds[c] ? ` (${data.train.classNames[c]})` : '');
  if (g.unmapped.length === data.train.numClasses) {
    throw new ConfigError(`${field}: none of the ${data.train.numClasses} classes (${name(0)}, …) is in a superclass of ${label}`
      + (typeof sc.map === 'string' && sc.map !== 'dataset' ? '; it matches classes by WordNet id (folder names such as n01443537)' : ''));
  }
  if (g.unmapped.length && sc.unmapped === 'error') {
    const more = g.unmapped.length > 1 ? ` (and ${g.unmapped.length - 1} more of the ${data.train.numClasses})` : '';
    throw new ConfigError(`${field}: class '${name(g.unmapped[0])}' is in no superclass of ${label}${more}; add it to one, `
      + `or set train.superclass.unmapped to 'skip' to leave such classes out of the superclass term`);
  }
  return { superOf: classToSuperclass(g.superclasses, data.train.numClasses), k: g.superclasses.names.length };
}

export async function trainTransform(engine: Engine, cfg: TrainConfig, data: DataSplits): Promise<SampleTransform> {
  const a = cfg.train.augment;
  // RandomResizedCrop resizes its window itself; resizing the whole image first would lose the resolution it crops from.
  const base = a.randomResizedCrop ? augment(data.size, a) : compose(fit(data.size), augment(data.size, a));
  const norm = normalisation(data.channels);
  const blendCfg = cfg.train.blend;
  if (blendCfg) {
    const textures = blendCfg.textures === 'procedural' ? proceduralSource() : new TextureFolder(blendCfg.textures, data.channels === 1 ? 1 : 3).source();
    const noise = blendCfg.stage === 'texture-noise'
      ? bankSource(await noiseTwins(engine, textures, blendCfg.noiseBank, data.channels, cfg.seed)) : undefined;
    const [mean, std] = normStats(data.channels);
    const views = textureNoiseViews({ textures, noise, preprocess: compose(base, norm), normalize: (img) => normalizeImage(img, mean, std) });
    return (img, rng) => views(img, rng);
  }
  if (cfg.train.augmix) {
    const [mean, std] = normStats(data.channels);
    const views = augmixViews({ severity: cfg.train.augmix.severity, imageSize: data.size, preprocess: (img) => normalizeImage(img, mean, std) });
    return (img, rng) => views(base(img, rng), rng);
  }
  return (img, rng) => norm(base(img, rng), rng);
}

export function evalTransform(data: DataSplits): SampleTransform {
  const r = data.evalResize;
  if (r !== undefined && r < data.size) throw new ConfigError(`data.evalResize: ${r} is smaller than the ${data.size} px centre crop (data.imageSize)`);
  const t = compose(r === undefined ? fit(data.size) : compose((img) => resizeShorter(img, r), centerCrop(data.size)), normalisation(data.channels));
  return (img, rng) => t(img, rng);
}

/** The configured GRCNN (models/factory.ts validates the preset and overrides), sized to the data. */
export function buildModel(engine: Engine, cfg: TrainConfig, data: DataSplits): GRCNN {
  const { preset, ...over } = cfg.model;
  return createGrcnn(engine, preset, { ...over, inChannels: data.channels, numClasses: data.train.numClasses, seed: cfg.seed });
}
