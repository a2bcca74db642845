/**
 * `cortexgpu corrupt`: a PNG contact sheet of every corruption — rows in imagecorruptions' order, columns the
 * clean image then severities 1…5 — at 64 or 224 px with that size's severity table. Without `image` it uses a
 * built-in synthetic scene. Frost's row uses the procedural (non-canonical) ice layer.
 */
import { Engine } from '../engine.js';
import type { Image } from '../data/dataset.js';
import { readImage, writeImage } from '../data/image-io.js';
import { resize } from '../data/transforms.js';
import { CORRUPTIONS } from '../corrupt/catalogue.js';
import { corrupt } from '../corrupt/corrupt.js';

export interface CorruptCommandOptions { out: string; size: 64 | 224; seed: number; image?: string }

const GAP = 2;

/** A colour test scene: sky gradient, sun, red block, checkered ground — edges, flat areas and texture. */
function sceneImage(size: number): Image {
  const n = size * size;
  const data = new Float32Array(3 * n);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x + 0.5) / size;
      const v = (y + 0.5) / size;
      let rgb = [0.45 + 0.3 * v, 0.62 + 0.2 * v, 0.95];
      if (v > 0.62) rgb = (Math.floor(10 * u) + Math.floor(10 * v)) % 2 ? [0.22, 0.45, 0.18] : [0.55, 0.7, 0.3];
      if ((u - 0.28) ** 2 + (v - 0.27) ** 2 < 0.014) rgb = [1, 0.86, 0.25];
      if (u > 0.58 && u < 0.84 && v > 0.34 && v < 0.72) rgb = [0.78, 0.16, 0.14];
      for (let c = 0; c < 3; c++) data[c * n + y * size + x] = rgb[c];
    }
  }
  return { data, shape: [3, size, size] };
}

function loadImage(path: string | undefined, size: number): Image {
  if (!path) return sceneImage(size);
  const img = readImage(path, 3);
  return img.shape[1] === size && img.shape[2] === size ? img : resize(img, size, size);
}

/** Writes the contact sheet to `out`; uses `engine` when given, else opens (and closes) its own. */
export async function corruptCommand(opts: CorruptCommandOptions, engine?: Engine): Promise<{ width: number; height: number }> {
  const { size } = opts;
  const img = loadImage(opts.image, size);
  const e = engine ?? (await Engine.create());
  const cols = 6;
  const width = cols * size + (cols - 1) * GAP;
  const height = CORRUPTIONS.length * size + (CORRUPTIONS.length - 1) * GAP;
  const sheet = new Float32Array(3 * width * height).fill(1);
  const place = (tile: ArrayLike<number>, row: number, col: number) => {
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < size; y++) {
        const dst = c * width * height + (row * (size + GAP) + y) * width + col * (size + GAP);
        for (let x = 0; x < size; x++) sheet[dst + x] = tile[(c * size + y) * size + x];
      }
    }
  };
  try {
    const x = e.tensor(img.data, [1, 3, size, size]).keep();
    try {
      for (const [row, name] of CORRUPTIONS.entries()) {
        place(img.data, row, 0);
        for (let s = 1; s <= 5; s++) {
          const y = corrupt(x, name, s, { seed: opts.seed, firstIndex: 0, table: size });
          place(await y.read(), row, s);
          y.dispose();
        }
      }
    } finally {
      x.dispose();
    }
  } finally {
    if (!engine) e.close();
  }
  writeImage(opts.out, { data: sheet, shape: [3, height, width] });
  return { width, height };
}
