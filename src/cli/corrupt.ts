/**
 * `cortexgpu corrupt`: a PNG contact sheet of every corruption — rows in imagecorruptions' order, columns the
 * clean image then severities 1…5 — at 64 or 224 px with that size's severity table, labelled (corruption names
 * down the left, severities across the top, table and mode in the corner) so it reads on its own. Without `image`
 * it uses a built-in synthetic scene. Float mode by default; `canonical` reproduces imagecorruptions' uint8 steps;
 * `gray` shows the gray result of corrupting the RGB image; frost's row uses the procedural ice layer unless
 * `frostDir` holds the original photographs.
 */
import { Engine } from '../engine.js';
import type { Image } from '../data/dataset.js';
import { readImage, writeImage } from '../data/image-io.js';
import { grayscale, resize } from '../data/transforms.js';
import { CORRUPTIONS } from '../corrupt/catalogue.js';
import { corrupt } from '../corrupt/corrupt.js';
import { loadFrostPhotos } from '../corrupt/frost-folder.js';
import { drawText, GLYPH_H, textWidth } from './bitmap-font.js';

export interface CorruptCommandOptions {
  out: string; size: 64 | 224; seed: number; image?: string; canonical?: boolean; gray?: boolean; frostDir?: string;
}

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

/** Sheet geometry: tiles start at (left, top); each label fits its margin at `scale`. */
export interface SheetLayout { width: number; height: number; left: number; top: number; scale: number }

const PAD = 4;

/** Writes the contact sheet to `out`; uses `engine` when given, else opens (and closes) its own. */
export async function corruptCommand(opts: CorruptCommandOptions, engine?: Engine): Promise<SheetLayout> {
  const { size } = opts;
  // Fail on a bad photo folder before any GPU work.
  const frostPhotos = opts.frostDir ? loadFrostPhotos(opts.frostDir) : undefined;
  const img = loadImage(opts.image, size);
  const e = engine ?? (await Engine.create());
  const cols = 6;
  const scale = size >= 128 ? 2 : 1;
  const headers = ['clean', ...[1, 2, 3, 4, 5].map((s) => (textWidth(`severity ${s}`, scale) <= size ? `severity ${s}` : `s${s}`))];
  const corner = [`table ${size}`, opts.canonical ? 'canonical' : 'float', ...(opts.gray ? ['gray'] : [])];
  const left = Math.max(...[...CORRUPTIONS, ...corner].map((t) => textWidth(t, scale))) + 2 * PAD;
  const top = Math.max(GLYPH_H * scale + 2 * PAD, corner.length * (GLYPH_H + 2) * scale + PAD);
  const width = left + cols * size + (cols - 1) * GAP;
  const height = top + CORRUPTIONS.length * size + (CORRUPTIONS.length - 1) * GAP;
  const sheet = new Float32Array(3 * width * height).fill(1);
  const canvas = { data: sheet, width, height };
  corner.forEach((t, k) => drawText(canvas, PAD, PAD + k * (GLYPH_H + 2) * scale, t, scale, [0.35, 0.35, 0.35]));
  headers.forEach((t, col) => drawText(canvas, left + col * (size + GAP) + Math.floor((size - textWidth(t, scale)) / 2), top - PAD - GLYPH_H * scale, t, scale));
  CORRUPTIONS.forEach((name, row) => drawText(canvas, PAD, top + row * (size + GAP) + Math.floor((size - GLYPH_H * scale) / 2), name, scale));
  const place = (tile: ArrayLike<number>, row: number, col: number, channels: number) => {
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < size; y++) {
        const dst = c * width * height + (top + row * (size + GAP) + y) * width + left + col * (size + GAP);
        const src = (channels === 1 ? 0 : c) * size * size + y * size;
        for (let x = 0; x < size; x++) sheet[dst + x] = tile[src + x];
      }
    }
  };
  try {
    const x = e.tensor(img.data, [1, 3, size, size]).keep();
    try {
      const clean = opts.gray ? grayscale(img) : img;
      const copts = { seed: opts.seed, firstIndex: 0, table: size, canonical: opts.canonical, gray: opts.gray, frostPhotos };
      for (const [row, name] of CORRUPTIONS.entries()) {
        place(clean.data, row, 0, clean.shape[0]);
        for (let s = 1; s <= 5; s++) {
          const y = corrupt(x, name, s, copts);
          place(await y.read(), row, s, y.shape[1]);
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
  return { width, height, left, top, scale };
}
