/** The Table-1-style report of a scoring run (paper 000, Table 1): markdown, JSON and a bar plot as SVG and PNG. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/fs.js';
import { barChartPng } from '../train/raster.js';
import type { RegionResult } from './benchmarks.js';
import type { BehaviorResult } from './behavior-benchmark.js';

export interface ScoreReport { model: string; data: string; form: string; results: RegionResult[]; behavior?: BehaviorResult }

interface Bar { label: string; ceiled: number; error: number }

function bars(r: ScoreReport): Bar[] {
  const out = r.results.map((x) => ({ label: x.region, ceiled: x.ceiled, error: x.sem }));
  if (r.behavior) out.push({ label: 'behavior', ceiled: r.behavior.ceiled, error: r.behavior.error });
  return out;
}

export function reportMarkdown(r: ScoreReport): string {
  const all = bars(r);
  const avg = all.reduce((s, x) => s + x.ceiled, 0) / Math.max(all.length, 1);
  const lines = [`# Brain-Score-style scores: ${r.model}`, '', `Data: ${r.data}. Ceiled score: ${r.form}. Average ${avg.toFixed(3)}.`, '',
    '| benchmark | region | layer | raw r | SEM | ceiling | ceiled | stimuli (public/private) | neuroids |', '|---|---|---|---|---|---|---|---|---|'];
  for (const x of r.results) {
    lines.push(`| ${x.benchmark} | ${x.region} | ${x.layer} | ${x.raw.toFixed(3)} | ${x.sem.toFixed(3)} | ${x.ceiling.toFixed(3)} | ${x.ceiled.toFixed(3)} | ${x.stimuli.public}/${x.stimuli.private} | ${x.neuroids} |`);
  }
  const b = r.behavior;
  if (b) {
    lines.push('', 'Behaviour (I2n; ceiled = mean over repetitions of r/√ceiling, error = their std; stimuli fitting/test; trials):', '',
      '| benchmark | readout layer | raw r | error | ceiling | ceiled | stimuli (fitting/test) | trials |', '|---|---|---|---|---|---|---|---|',
      `| ${b.benchmark} | ${b.layer} | ${b.raw.toFixed(3)} | ${b.error.toFixed(3)} | ${b.ceiling.toFixed(3)} | ${b.ceiled.toFixed(3)} | ${b.stimuli.fitting}/${b.stimuli.test} | ${b.trials} |`);
  }
  lines.push('', `Bar plot: scores.svg, scores.png (bars left to right: ${all.map((x) => x.label).join(', ')}; y from 0 to 1, error bars ±SEM).`);
  return `${lines.join('\n')}\n`;
}

export function reportSvg(r: ScoreReport): string {
  const all = bars(r);
  const W = 80 * all.length + 60, H = 220, base = 180;
  const rects = all.map((x, i) => {
    const h = Math.max(0, Math.min(1, x.ceiled)) * 150, xpos = 50 + i * 80;
    return `<rect x="${xpos}" y="${base - h}" width="50" height="${h}" fill="#4a78b5"/>` +
      `<text x="${xpos + 25}" y="${base + 16}" text-anchor="middle" font-size="12">${x.label}</text>` +
      `<text x="${xpos + 25}" y="${base - h - 4}" text-anchor="middle" font-size="11">${x.ceiled.toFixed(3)}</text>`;
  }).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="10" y="16" font-size="13">${r.model}: ceiled scores</text>` +
    `<line x1="40" y1="${base}" x2="${W - 10}" y2="${base}" stroke="black"/><line x1="40" y1="30" x2="40" y2="${base}" stroke="black"/>${rects}</svg>\n`;
}

export function reportPng(r: ScoreReport): Buffer {
  const all = bars(r);
  return barChartPng(all.map((x) => x.ceiled), all.map((x) => x.error));
}

export function writeReport(dir: string, r: ScoreReport): void {
  mkdirSync(dir, { recursive: true });
  const text = (s: string) => Buffer.from(s, 'utf8');
  writeFileAtomic(join(dir, 'scores.md'), text(reportMarkdown(r)));
  writeFileAtomic(join(dir, 'scores.json'), text(`${JSON.stringify(r, null, 2)}\n`));
  writeFileAtomic(join(dir, 'scores.svg'), text(reportSvg(r)));
  writeFileAtomic(join(dir, 'scores.png'), reportPng(r));
}
