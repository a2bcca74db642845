/**
 * View 1: one image under the 14 corruptions of TIN-TC (Safarani et al. 2021) × 5 severities, each classified by
 * the model. One severity's corruption kernels per animation frame, then the corruption's 5 images as one batch
 * through the model; the corrupted images and the softmax come back for drawing.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GRCNN } from '../models/grcnn.js';
import { corrupt } from '../corrupt/corrupt.js';
import { TIN_TC_CORRUPTIONS, type SeverityTable } from '../corrupt/catalogue.js';
import { concat } from '../ops/movement.js';
import { softmax } from '../ops/softmax.js';
import { modelInput } from './model.js';
import { drawImage, el, nextFrame } from './draw.js';

export const SEVERITY_LEVELS = [1, 2, 3, 4, 5] as const;

export interface Cell {
  name: string;
  severity: number;
  /** The corrupted image [C, H, W] in [0, 1]. */
  image: Float32Array;
  top1: number;
  confidence: number;
}

export interface GridOptions {
  seed: number;
  table: SeverityTable;
  classes: readonly string[];
  /** The clean image's top-1: cells that keep it are green, others red. */
  cleanTop1: number;
  /** Checked between frames: a newer run has started, stop here. */
  cancelled: () => boolean;
}

/** Top-1 index and probability of each row of probs [n, k]. */
export function topOne(probs: Float32Array, k: number): { index: number; p: number }[] {
  return Array.from({ length: probs.length / k }, (_, r) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs[r * k + j] > probs[r * k + best]) best = j;
    return { index: best, p: probs[r * k + best] };
  });
}

/** Fills `host` with the grid row by row; returns every cell (or null when cancelled). */
export async function runGrid(engine: Engine, model: GRCNN, image: Tensor, host: HTMLElement, o: GridOptions): Promise<Cell[] | null> {
  const [, c, h, w] = image.shape;
  const k = model.config.numClasses;
  const table = el('table', 'grid');
  const head = table.insertRow();
  head.append(el('th'), ...SEVERITY_LEVELS.map((s) => el('th', undefined, `severity ${s}`)));
  host.replaceChildren(table);
  const cells: Cell[] = [];
  for (const name of TIN_TC_CORRUPTIONS) {
    // One severity per frame (a corruption's first call also parses and compiles its kernels on the main thread).
    const levels: Tensor[] = [];
    for (const s of SEVERITY_LEVELS) {
      levels.push(engine.noGrad(() => corrupt(image, name, s, { seed: o.seed, table: o.table })).keep());
      engine.flush();
      await nextFrame();
    }
    const { batch, probs } = engine.noGrad(() => engine.scope(() => {
      const batch = concat(levels, 0);
      return { batch, probs: softmax(model.call(modelInput(batch)), 1) };
    }));
    for (const t of levels) t.dispose();
    const [imgs, p] = await Promise.all([batch.read(), probs.read()]);
    batch.dispose();
    probs.dispose();
    const row = table.insertRow();
    row.append(el('th', undefined, name.replace(/_/g, ' ')));
    topOne(p as Float32Array, k).forEach((t, i) => {
      const cell: Cell = { name, severity: SEVERITY_LEVELS[i], image: (imgs as Float32Array).slice(i * c * h * w, (i + 1) * c * h * w), top1: t.index, confidence: t.p };
      cells.push(cell);
      const same = t.index === o.cleanTop1;
      const box = el('div');
      // Hue: kept (green) or changed (red) label; saturation: confidence.
      box.style.background = `hsl(${same ? 130 : 5}, ${Math.round(25 + 60 * t.p)}%, ${Math.round(92 - 22 * t.p)}%)`;
      box.title = `${name} severity ${cell.severity}: ${o.classes[t.index]} (${(100 * t.p).toFixed(1)} %)`;
      const cv = el('canvas');
      drawImage(cv, cell.image, c, h, w);
      box.append(cv, el('span', undefined, `${o.classes[t.index]} ${(100 * t.p).toFixed(0)}%`));
      row.insertCell().append(box);
    });
    await nextFrame();
    if (o.cancelled()) return null;
  }
  return cells;
}
