/**
 * Raster versions of the report's figures, encoded as PNG (pngjs via encodePng): the training curves from the same
 * panels as the SVG chart (plot.ts), a confusion-matrix heat map and a grid of labelled validation images. No text
 * is drawn (no font rasteriser); report.md and report.html carry the axis ranges and labels next to each figure.
 */
import type { Image } from '../data/dataset.js';
import { encodePng } from '../data/image-io.js';
import type { Panel } from './plot.js';
import { PALETTE } from './plot.js';

/** An RGB canvas in [0, 1], white. */
class Canvas {
  readonly data: Float32Array;
  constructor(readonly w: number, readonly h: number) { this.data = new Float32Array(3 * w * h).fill(1); }

  set(x: number, y: number, rgb: readonly number[]): void {
    const xi = Math.round(x); const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.w || yi >= this.h) return;
    for (let k = 0; k < 3; k++) this.data[k * this.w * this.h + yi * this.w + xi] = rgb[k];
  }

  fill(x0: number, y0: number, x1: number, y1: number, rgb: readonly number[]): void {
    for (let y = Math.round(y0); y < Math.round(y1); y++) for (let x = Math.round(x0); x < Math.round(x1); x++) this.set(x, y, rgb);
  }

  line(x0: number, y0: number, x1: number, y1: number, rgb: readonly number[], width = 1): void {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n; const y = y0 + ((y1 - y0) * i) / n;
      for (let d = 0; d < width; d++) { this.set(x, y + d, rgb); this.set(x + d, y, rgb); }
    }
  }

  frame(x0: number, y0: number, x1: number, y1: number, rgb: readonly number[]): void {
    this.line(x0, y0, x1, y0, rgb); this.line(x1, y0, x1, y1, rgb); this.line(x1, y1, x0, y1, rgb); this.line(x0, y1, x0, y0, rgb);
  }

  png(): Buffer { return encodePng({ data: this.data, shape: [3, this.h, this.w] }); }
}

const hex = (c: string): number[] => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16) / 255);
const GRID = [0.92, 0.92, 0.92];
const AXIS = [0.53, 0.53, 0.53];

/** The panels of lineChartSvg as a PNG: same layout, series colours and data ranges. */
export function lineChartPng(panels: Panel[], width = 640, panelHeight = 260): Buffer {
  const m = { l: 60, r: 120, t: 28, b: 40 };
  const c = new Canvas(width, panelHeight * panels.length);
  panels.forEach((p, k) => {
    const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (!pts.length) return;
    const y0 = k * panelHeight;
    const xs = pts.map((q) => q[0]); const ys = pts.map((q) => q[1]);
    const [xmin, xmax] = [Math.min(...xs), Math.max(...xs)];
    let [ymin, ymax] = [Math.min(...ys), Math.max(...ys)];
    if (ymin === ymax) { ymin -= 0.5; ymax += 0.5; }
    const W = width - m.l - m.r; const H = panelHeight - m.t - m.b;
    const sx = (x: number) => m.l + (xmax === xmin ? W / 2 : ((x - xmin) / (xmax - xmin)) * W);
    const sy = (y: number) => y0 + m.t + H - ((y - ymin) / (ymax - ymin)) * H;
    for (let i = 1; i < 5; i++) c.line(m.l, y0 + m.t + (H * i) / 5, m.l + W, y0 + m.t + (H * i) / 5, GRID);
    c.frame(m.l, y0 + m.t, m.l + W, y0 + m.t + H, AXIS);
    p.series.forEach((s, i) => {
      const rgb = hex(s.color ?? PALETTE[i % PALETTE.length]);
      const q = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
      for (let j = 1; j < q.length; j++) c.line(sx(q[j - 1][0]), sy(q[j - 1][1]), sx(q[j][0]), sy(q[j][1]), rgb, 2);
      if (q.length === 1) c.fill(sx(q[0][0]) - 2, sy(q[0][1]) - 2, sx(q[0][0]) + 3, sy(q[0][1]) + 3, rgb);
      // The legend: a colour swatch per series, in series order (names are in the report's text).
      c.fill(m.l + W + 8, y0 + m.t + 6 + 16 * i, m.l + W + 28, y0 + m.t + 12 + 16 * i, rgb);
    });
  });
  return c.png();
}

/** Row-normalised confusion matrix (rows: true class) as a heat map, `cell` px per entry, white = 0, dark blue = 1. */
export function confusionPng(matrix: number[][], cell = 24): Buffer {
  const k = matrix.length;
  const c = new Canvas(k * cell + 1, k * cell + 1);
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((v, j) => {
      const f = v / total;
      c.fill(j * cell, i * cell, (j + 1) * cell, (i + 1) * cell, [1 - 0.9 * f, 1 - 0.75 * f, 1 - 0.3 * f]);
    });
  });
  for (let i = 0; i <= k; i++) { c.line(0, i * cell, k * cell, i * cell, AXIS); c.line(i * cell, 0, i * cell, k * cell, AXIS); }
  return c.png();
}

/**
 * Images in a grid, `cols` wide, each scaled to `tile` px (nearest) inside a 3 px frame: green when the prediction
 * is right, red when wrong. Gray images are shown as gray; values are taken as [0, 1].
 */
export function imageGridPng(images: { image: Image; correct: boolean }[], cols = 8, tile = 64): Buffer {
  const pad = 3; const step = tile + 2 * pad;
  const rows = Math.ceil(images.length / cols);
  const c = new Canvas(cols * step, rows * step);
  images.forEach(({ image, correct }, n) => {
    const [ch, h, w] = image.shape;
    const ox = (n % cols) * step; const oy = Math.floor(n / cols) * step;
    c.fill(ox, oy, ox + step, oy + step, correct ? [0.1, 0.65, 0.2] : [0.85, 0.1, 0.1]);
    for (let y = 0; y < tile; y++) {
      for (let x = 0; x < tile; x++) {
        const sy = Math.floor((y * h) / tile); const sx = Math.floor((x * w) / tile);
        const px = [0, 1, 2].map((k) => image.data[Math.min(k, ch - 1) * h * w + sy * w + sx]);
        c.set(ox + pad + x, oy + pad + y, px);
      }
    }
  });
  return c.png();
}

/**
 * Bars of `values` in [0, 1] (clamped; NaN drawn as an empty slot) with optional error bars, gridlines at 0.2
 * steps; labels and numbers are in the report's text beside the figure.
 */
export function barChartPng(values: readonly number[], errors: readonly number[] = [], height = 220, bar = 50): Buffer {
  const m = { l: 20, r: 20, t: 20, b: 20 }, gap = 30;
  const width = m.l + m.r + values.length * (bar + gap);
  const c = new Canvas(width, height);
  const H = height - m.t - m.b, base = m.t + H;
  const sy = (v: number) => base - Math.max(0, Math.min(1, v)) * H;
  for (let i = 1; i <= 5; i++) c.line(m.l, base - (H * i) / 5, width - m.r, base - (H * i) / 5, GRID);
  values.forEach((v, i) => {
    const x = m.l + gap / 2 + i * (bar + gap);
    if (Number.isFinite(v)) c.fill(x, sy(v), x + bar, base, hex(PALETTE[0]));
    const e = errors[i];
    if (Number.isFinite(v) && e !== undefined && Number.isFinite(e) && e > 0) c.line(x + bar / 2, sy(v + e), x + bar / 2, sy(v - e), [0, 0, 0], 2);
  });
  c.line(m.l, base, width - m.r, base, AXIS);
  return c.png();
}
