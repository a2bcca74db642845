/** A small SVG line chart for training curves (no browser, no canvas). */

export interface Series { name: string; points: [number, number][]; color?: string }
export interface Panel { title: string; xLabel: string; series: Series[] }

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** One panel per entry of `panels`, stacked vertically; each panel is a set of series sharing axes. */
export function lineChartSvg(panels: Panel[], width = 640, panelHeight = 260): string {
  const m = { l: 60, r: 120, t: 28, b: 40 };
  const parts: string[] = [];
  panels.forEach((p, k) => {
    const y0 = k * panelHeight;
    const pts = p.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (!pts.length) return;
    const [xmin, xmax] = [Math.min(...pts.map((q) => q[0])), Math.max(...pts.map((q) => q[0]))];
    let [ymin, ymax] = [Math.min(...pts.map((q) => q[1])), Math.max(...pts.map((q) => q[1]))];
    if (ymin === ymax) { ymin -= 0.5; ymax += 0.5; }
    const W = width - m.l - m.r;
    const H = panelHeight - m.t - m.b;
    const sx = (x: number) => m.l + (xmax === xmin ? W / 2 : ((x - xmin) / (xmax - xmin)) * W);
    const sy = (y: number) => y0 + m.t + H - ((y - ymin) / (ymax - ymin)) * H;
    parts.push(`<text x="${m.l}" y="${y0 + 18}" font-size="14" font-weight="bold">${esc(p.title)}</text>`);
    parts.push(`<rect x="${m.l}" y="${y0 + m.t}" width="${W}" height="${H}" fill="none" stroke="#888"/>`);
    for (const t of niceTicks(ymin, ymax)) {
      parts.push(`<line x1="${m.l}" x2="${m.l + W}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/><text x="${m.l - 6}" y="${sy(t) + 4}" font-size="11" text-anchor="end">${t}</text>`);
    }
    for (const t of niceTicks(xmin, xmax)) {
      parts.push(`<text x="${sx(t)}" y="${y0 + m.t + H + 16}" font-size="11" text-anchor="middle">${t}</text>`);
    }
    parts.push(`<text x="${m.l + W / 2}" y="${y0 + panelHeight - 6}" font-size="12" text-anchor="middle">${esc(p.xLabel)}</text>`);
    p.series.forEach((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length];
      const d = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y], j) => `${j ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
      parts.push(`<text x="${m.l + W + 8}" y="${y0 + m.t + 14 + 16 * i}" font-size="12" fill="${color}">${esc(s.name)}</text>`);
    });
  });
  const h = panelHeight * panels.length;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}

function esc(s: string): string { return s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`); }
