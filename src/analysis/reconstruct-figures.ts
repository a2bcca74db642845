/**
 * Figures of the reconstruction analysis: a tile grid like Safarani et al. 2021 Fig. 5 (rows = models, columns =
 * images × norms) as an image for encodePng, and the Fig. 7 scatter of normalised norm ratios as SVG.
 */
import type { Image } from '../data/dataset.js';
import { ShapeError } from '../errors.js';

/**
 * Tiles [C, H, W] laid out row by row with `pad` white pixels between them. Each tile is stretched on its own,
 * symmetrically: 0 maps to mid-gray and the largest |value| to black or white, so reconstructions at small norms
 * (a few percent of the image's power) stay visible and their sign is kept.
 */
export function tileGrid(rows: readonly (readonly Float32Array[])[], shape: readonly [number, number, number], pad = 2): Image {
  const [c, h, w] = shape;
  const cols = Math.max(0, ...rows.map((r) => r.length));
  if (!rows.length || !cols) throw new ShapeError('tileGrid: no tiles');
  const H = rows.length * (h + pad) + pad;
  const W = cols * (w + pad) + pad;
  const data = new Float32Array(c * H * W).fill(1);
  rows.forEach((row, r) => row.forEach((tile, k) => {
    if (tile.length !== c * h * w) throw new ShapeError(`tileGrid: tile (${r}, ${k}) has ${tile.length} values, not ${c}×${h}×${w}`);
    let peak = 0;
    for (const v of tile) peak = Math.max(peak, Math.abs(v));
    const s = peak > 0 ? 0.5 / peak : 0;
    const top = pad + r * (h + pad);
    const left = pad + k * (w + pad);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) data[(ch * H + top + i) * W + left + j] = 0.5 + s * tile[(ch * h + i) * w + j];
      }
    }
  }));
  return { data, shape: [c, H, W] };
}

export interface ScatterSeries { name: string; color: string; points: [number, number][] }
export interface ScatterPanel { title: string; xLabel: string; yLabel: string; series: ScatterSeries[] }

/**
 * Square scatter panels side by side, each with the diagonal y = x: a point above it means the y-axis model puts
 * more of its reconstruction's power on the salient region than the x-axis one.
 */
export function ratioScatterSvg(panels: readonly ScatterPanel[], size = 280): string {
  const m = { l: 52, r: 16, t: 30, b: 46 };
  const legend = 22 * Math.max(0, ...panels.map((p) => p.series.length));
  const pw = size + m.l + m.r;
  const ph = size + m.t + m.b;
  const parts: string[] = [];
  panels.forEach((p, k) => {
    const x0 = k * pw;
    const vals = p.series.flatMap((s) => s.points.flat()).filter(Number.isFinite);
    // One range for both axes, so the diagonal is the diagonal; ρ̄ ≤ 1 and 0 is the original's own ratio.
    let lo = Math.min(0, ...vals);
    let hi = Math.max(1, ...vals);
    const margin = 0.04 * (hi - lo);
    lo -= margin;
    hi += margin;
    const sx = (v: number) => +(x0 + m.l + ((v - lo) / (hi - lo)) * size).toFixed(1);
    const sy = (v: number) => +(m.t + size - ((v - lo) / (hi - lo)) * size).toFixed(1);
    parts.push(`<text x="${x0 + m.l}" y="${m.t - 10}" font-size="13" font-weight="bold">${esc(p.title)}</text>`);
    parts.push(`<rect x="${x0 + m.l}" y="${m.t}" width="${size}" height="${size}" fill="none" stroke="#888"/>`);
    parts.push(`<line x1="${sx(lo)}" y1="${sy(lo)}" x2="${sx(hi)}" y2="${sy(hi)}" stroke="#bbb" stroke-dasharray="4 3"/>`);
    for (const t of [lo + margin, 0, hi - margin].filter((v, i, a) => a.indexOf(v) === i)) {
      const v = +t.toFixed(2);
      parts.push(`<text x="${sx(t)}" y="${m.t + size + 14}" font-size="10" text-anchor="middle">${v}</text>`);
      parts.push(`<text x="${x0 + m.l - 4}" y="${sy(t) + 3}" font-size="10" text-anchor="end">${v}</text>`);
    }
    parts.push(`<text x="${x0 + m.l + size / 2}" y="${ph - 8}" font-size="11" text-anchor="middle">${esc(p.xLabel)}</text>`);
    parts.push(`<text transform="translate(${x0 + 14} ${m.t + size / 2}) rotate(-90)" font-size="11" text-anchor="middle">${esc(p.yLabel)}</text>`);
    p.series.forEach((s, i) => {
      for (const [x, y] of s.points) {
        if (Number.isFinite(x) && Number.isFinite(y)) parts.push(`<circle cx="${sx(x)}" cy="${sy(y)}" r="3" fill="${s.color}" fill-opacity="0.75"/>`);
      }
      parts.push(`<circle cx="${x0 + m.l + 6}" cy="${ph + 11 + 22 * i}" r="4" fill="${s.color}"/><text x="${x0 + m.l + 16}" y="${ph + 15 + 22 * i}" font-size="11">${esc(s.name)}</text>`);
    });
  });
  const width = pw * panels.length;
  const height = ph + legend;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}

function esc(s: string): string { return s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`); }
