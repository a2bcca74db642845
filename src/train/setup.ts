/** Builds what a training config names: datasets, sample transforms, the model and the optimiser. */
import type { Engine } from '../engine.js';
import type { Dataset, Image } from '../data/dataset.js';
import type { SampleTransform } from '../data/loader.js';
import type { Superclasses } from '../data/superclasses.js';
import { SynthObjects } from '../data/synth-objects.js';
import { imageFolderSplits } from '../data/image-folder.js';
import { TinyImageNet } from '../data/tiny-imagenet.js';
import { fashionMnist } from '../data/idx.js';
import { subset } from '../data/dataset.js';
import { compose, normStats, normalize, normalizeImage, augment, resize, type Transform } from '../data/transforms.js';
import { augmixViews } from '../data/augmix.js';
import { bankSource, proceduralSource, TextureFolder, textureNoiseViews, type ImageSource } from '../data/texture-sources.js';
import { Rng } from '../random/rng.js';
import { phaseRandomize } from '../ops/fft.js';
import { streamKey } from '../random/pcg.js';
import type { GRCNN } from '../models/grcnn.js';
import { createGrcnn } from '../models/factory.js';
import type { TrainConfig } from './config.js';

export interface DataSplits { train: Dataset; val: Dataset; superclasses: Superclasses | null; channels: number; size: number }

export function buildData(cfg: TrainConfig): DataSplits {
  const d = cfg.data;
  switch (d.kind) {
    case 'synth-objects-64': {
      // 'learn' sizes are filled in by parseTrainConfig; SynthObjects knows only the canonical profiles.
      const size = d.imageSize ?? 64;
      const opts = { profile: d.profile === 'learn' ? 'ci' as const : d.profile, seed: d.seed, hard: d.hard, imageSize: size, rms: d.rms };
      const train = new SynthObjects({ ...opts, split: 'train', perClass: d.perClass });
      const val = new SynthObjects({ ...opts, split: 'val', perClass: d.valPerClass });
      return { train, val, superclasses: train.superclasses, channels: 1, size };
    }
    case 'image-folder': {
      const ch = d.grayscale ? 1 : 3;
      return { ...imageFolderSplits(d.train, d.val, { channels: ch }), superclasses: null, channels: ch, size: d.imageSize };
    }
    case 'tiny-imagenet': {
      const ch = d.grayscale ? 1 : 3;
      return { train: TinyImageNet.open(d.root, 'train', { channels: ch }), val: TinyImageNet.open(d.root, 'val', { channels: ch }),
        superclasses: null, channels: ch, size: d.imageSize };
    }
    case 'fashion-mnist': {
      const limit = (ds: Dataset, n?: number) => (n && n < ds.size ? subset(ds, Int32Array.from({ length: n }, (_, i) => i)) : ds);
      return { train: limit(fashionMnist('train', d.dir), d.trainLimit), val: limit(fashionMnist('test', d.dir), d.testLimit),
        superclasses: null, channels: 1, size: 28 };
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

export async function trainTransform(engine: Engine, cfg: TrainConfig, data: DataSplits): Promise<SampleTransform> {
  const a = cfg.train.augment;
  const base = compose(fit(data.size), augment(data.size, a));
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
  const t = compose(fit(data.size), normalisation(data.channels));
  return (img, rng) => t(img, rng);
}

/** The configured GRCNN (models/factory.ts validates the preset and overrides), sized to the data. */
export function buildModel(engine: Engine, cfg: TrainConfig, data: DataSplits): GRCNN {
  const { preset, ...over } = cfg.model;
  return createGrcnn(engine, preset, { ...over, inChannels: data.channels, numClasses: data.train.numClasses, seed: cfg.seed });
}
