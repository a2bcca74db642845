/** The Table-1-style report of a scoring run (paper 000, Table 1): markdown, JSON and a bar plot SVG. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RegionResult } from './benchmarks.js';

export interface ScoreReport { model: string; data: string; form: string; results: RegionResult[] }

export function reportMarkdown(r: ScoreReport): string {
  const avg = r.results.reduce((s, x) => s + x.ceiled, 0) / Math.max(r.results.length, 1);
  const lines = [`# Brain-Score-style scores: ${r.model}`, '', `Data: ${r.data}. Ceiled score: ${r.form}. Average ${avg.toFixed(3)}.`, '',
    '| benchmark | region | layer | raw r | SEM | ceiling | ceiled | stimuli (public/private) | neuroids |', '|---|---|---|---|---|---|---|---|---|'];
  for (const x of r.results) {
    lines.push(`| ${x.benchmark} | ${x.region} | ${x.layer} | ${x.raw.toFixed(3)} | ${x.sem.toFixed(3)} | ${x.ceiling.toFixed(3)} | ${x.ceiled.toFixed(3)} | ${x.stimuli.public}/${x.stimuli.private} | ${x.neuroids} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function reportSvg(r: ScoreReport): string {
  const W = 80 * r.results.length + 60, H = 220, base = 180;
  const bars = r.results.map((x, i) => {
    const h = Math.max(0, Math.min(1, x.ceiled)) * 150, xpos = 50 + i * 80;
    return `<rect x="${xpos}" y="${base - h}" width="50" height="${h}" fill="#4a78b5"/>` +
      `<text x="${xpos + 25}" y="${base + 16}" text-anchor="middle" font-size="12">${x.region}</text>` +
      `<text x="${xpos + 25}" y="${base - h - 4}" text-anchor="middle" font-size="11">${x.ceiled.toFixed(3)}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="10" y="16" font-size="13">${r.model}: ceiled scores</text>` +
    `<line x1="40" y1="${base}" x2="${W - 10}" y2="${base}" stroke="black"/><line x1="40" y1="30" x2="40" y2="${base}" stroke="black"/>${bars}</svg>\n`;
}

export function writeReport(dir: string, r: ScoreReport): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scores.md'), reportMarkdown(r));
  writeFileSync(join(dir, 'scores.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(dir, 'scores.svg'), reportSvg(r));
}
