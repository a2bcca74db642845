/**
 * The corruption catalogue: every corruption's name, its Hendrycks & Dietterich category, and its severity
 * parameters 1…5 in the two tables — 224 (ImageNet-C as the `imagecorruptions` package codes it) and 64
 * (Tiny-ImageNet-C, hendrycks' make_tinyimagenet_c.py) — plus the TIN-TC list that Safarani et al. 2021 score.
 * src/corrupt/corrupt.ts applies them on the GPU; src/corrupt/ref/corrupt.ts on the CPU.
 */
import type { ElasticParams } from './digital.js';
import type { CorruptKey } from './keys.js';
import { arange } from '../numeric.js';

export const COMMON_CORRUPTIONS = [
  'gaussian_noise', 'shot_noise', 'impulse_noise', 'defocus_blur', 'glass_blur', 'motion_blur', 'zoom_blur',
  'snow', 'frost', 'fog', 'brightness', 'contrast', 'elastic_transform', 'pixelate', 'jpeg_compression',
] as const;
export const EXTRA_CORRUPTIONS = ['speckle_noise', 'gaussian_blur', 'spatter', 'saturate'] as const;
/** imagecorruptions' order: the 15 common, then the 4 extra ("validation") corruptions. */
export const CORRUPTIONS = [...COMMON_CORRUPTIONS, ...EXTRA_CORRUPTIONS] as const;
export type CorruptionName = (typeof CORRUPTIONS)[number];
export type SeverityTable = 64 | 224;

/** False for frost unless the original frost photographs are given (its default ice layer is procedural). */
export function isCanonical(name: CorruptionName, withFrostPhotos = false): boolean {
  return name !== 'frost' || withFrostPhotos;
}

type Levels = readonly (readonly number[])[];
const each = (...v: number[]): Levels => v.map((c) => [c]);

/**
 * Severity parameters 1…5 per table, as tuples in the reference code's order (scalars as 1-tuples). zoom_blur
 * holds the factor lists themselves (numpy.arange with float end points: 12, 16, 11, 13, 11 and 7, 12, 16, 21, 26
 * factors). elastic_transform: table 224 holds imagecorruptions' c (α = 250·c), table 64 Tiny-ImageNet-C's
 * (α, σ, δ) as fractions of the image size.
 */
export const SEVERITIES: Readonly<Record<SeverityTable, Readonly<Record<CorruptionName, Levels>>>> = {
  224: {
    gaussian_noise: each(0.08, 0.12, 0.18, 0.26, 0.38),
    shot_noise: each(60, 25, 12, 5, 3),
    impulse_noise: each(0.03, 0.06, 0.09, 0.17, 0.27),
    defocus_blur: [[3, 0.1], [4, 0.5], [6, 0.5], [8, 0.5], [10, 0.5]],
    glass_blur: [[0.7, 1, 2], [0.9, 2, 1], [1, 2, 3], [1.1, 3, 2], [1.5, 4, 2]],
    motion_blur: [[10, 3], [15, 5], [15, 8], [15, 12], [20, 15]],
    zoom_blur: [arange(1, 1.11, 0.01), arange(1, 1.16, 0.01), arange(1, 1.21, 0.02), arange(1, 1.26, 0.02), arange(1, 1.31, 0.03)],
    snow: [[0.1, 0.3, 3, 0.5, 10, 4, 0.8], [0.2, 0.3, 2, 0.5, 12, 4, 0.7], [0.55, 0.3, 4, 0.9, 12, 8, 0.7],
      [0.55, 0.3, 4.5, 0.85, 12, 8, 0.65], [0.55, 0.3, 2.5, 0.85, 12, 12, 0.55]],
    frost: [[1, 0.4], [0.8, 0.6], [0.7, 0.7], [0.65, 0.7], [0.6, 0.75]],
    fog: [[1.5, 2], [2, 2], [2.5, 1.7], [2.5, 1.5], [3, 1.4]],
    brightness: each(0.1, 0.2, 0.3, 0.4, 0.5),
    contrast: each(0.4, 0.3, 0.2, 0.1, 0.05),
    elastic_transform: each(0.05, 0.065, 0.085, 0.1, 0.12),
    pixelate: each(0.6, 0.5, 0.4, 0.3, 0.25),
    jpeg_compression: each(25, 18, 15, 10, 7),
    speckle_noise: each(0.15, 0.2, 0.35, 0.45, 0.6),
    gaussian_blur: each(1, 2, 3, 4, 6),
    spatter: [[0.65, 0.3, 4, 0.69, 0.6, 0], [0.65, 0.3, 3, 0.68, 0.6, 0], [0.65, 0.3, 2, 0.68, 0.5, 0],
      [0.65, 0.3, 1, 0.65, 1.5, 1], [0.67, 0.4, 1, 0.65, 1.5, 1]],
    saturate: [[0.3, 0], [0.1, 0], [2, 0], [5, 0.1], [20, 0.2]],
  },
  64: {
    gaussian_noise: each(0.04, 0.08, 0.12, 0.15, 0.18),
    shot_noise: each(250, 100, 50, 30, 15),
    impulse_noise: each(0.01, 0.02, 0.05, 0.08, 0.14),
    defocus_blur: [[0.5, 0.6], [1, 0.1], [1.5, 0.1], [2.5, 0.01], [3, 0.1]],
    glass_blur: [[0.1, 1, 1], [0.5, 1, 1], [0.6, 1, 2], [0.7, 2, 1], [0.9, 2, 2]],
    motion_blur: [[10, 1], [10, 1.5], [10, 2], [10, 2.5], [12, 3]],
    zoom_blur: [arange(1, 1.06, 0.01), arange(1, 1.11, 0.01), arange(1, 1.16, 0.01), arange(1, 1.21, 0.01), arange(1, 1.26, 0.01)],
    snow: [[0.1, 0.2, 1, 0.6, 8, 3, 0.8], [0.1, 0.2, 1, 0.5, 10, 4, 0.8], [0.15, 0.3, 1.75, 0.55, 10, 4, 0.7],
      [0.25, 0.3, 2.25, 0.6, 12, 6, 0.65], [0.3, 0.3, 1.25, 0.65, 14, 12, 0.6]],
    frost: [[1, 0.3], [0.9, 0.4], [0.8, 0.45], [0.75, 0.5], [0.7, 0.55]],
    fog: [[0.4, 3], [0.7, 3], [1, 2.5], [1.5, 2], [2, 1.75]],
    brightness: each(0.1, 0.2, 0.3, 0.4, 0.5),
    contrast: each(0.4, 0.3, 0.2, 0.1, 0.05),
    elastic_transform: [[0, 0, 0.08], [0.05, 0.3, 0.06], [0.1, 0.08, 0.06], [0.1, 0.03, 0.03], [0.16, 0.03, 0.02]],
    pixelate: each(0.9, 0.8, 0.7, 0.6, 0.5),
    jpeg_compression: each(65, 58, 50, 40, 25),
    speckle_noise: each(0.15, 0.2, 0.25, 0.3, 0.35),
    gaussian_blur: each(0.5, 0.75, 1, 1.25, 1.5),
    spatter: [[0.62, 0.1, 0.7, 0.7, 0.6, 0], [0.65, 0.1, 0.8, 0.7, 0.6, 0], [0.65, 0.3, 1, 0.69, 0.6, 0],
      [0.65, 0.1, 0.7, 0.68, 0.6, 1], [0.65, 0.1, 0.5, 0.67, 0.6, 1]],
    saturate: [[0.3, 0], [0.1, 0], [2, 0], [5, 0.1], [30, 0.2]],
  },
};

/** Elastic parameters in pixels for an H × W image (see SEVERITIES). */
export function elasticParams(p: readonly number[], table: SeverityTable, h: number, w: number): ElasticParams {
  if (table === 224) return { alpha: 250 * p[0], sigma: [0.01 * h, 0.01 * w], noise: 0.005 * h, affine: 0 };
  return { alpha: p[0] * h, sigma: [p[1] * h, p[1] * h], noise: 1, affine: p[2] * h };
}

/** The random stream of (corruption, severity, seed, firstIndex); sub-streams use the tag's low 4 bits. */
export function corruptionKey(name: CorruptionName, severity: number, seed: number, firstIndex: number): CorruptKey {
  return { seed: seed >>> 0, tag: ((CORRUPTIONS.indexOf(name) + 1) << 8) | (severity << 4), first: firstIndex >>> 0 };
}

/** Whether a string names one of the catalogue's corruptions. */
export function isCorruptionName(name: string): name is CorruptionName {
  return (CORRUPTIONS as readonly string[]).includes(name);
}

/** TIN-TC: the 15 ImageNet-C corruptions of neural_cotraining's default list without glass_blur. */
export const TIN_TC_CORRUPTIONS = [
  'jpeg_compression', 'pixelate', 'impulse_noise', 'defocus_blur', 'contrast', 'fog', 'brightness', 'frost',
  'shot_noise', 'motion_blur', 'gaussian_noise', 'elastic_transform', 'snow', 'zoom_blur',
] as const satisfies readonly CorruptionName[];

export type CorruptionCategory = 'noise' | 'blur' | 'weather' | 'digital';

/** Hendrycks & Dietterich's four groups (glass_blur kept for the 15-corruption suite). */
export const CORRUPTION_CATEGORIES: Readonly<Record<CorruptionCategory, readonly CorruptionName[]>> = {
  noise: ['gaussian_noise', 'shot_noise', 'impulse_noise'],
  blur: ['defocus_blur', 'glass_blur', 'motion_blur', 'zoom_blur'],
  weather: ['snow', 'frost', 'fog', 'brightness'],
  digital: ['contrast', 'elastic_transform', 'pixelate', 'jpeg_compression'],
};
