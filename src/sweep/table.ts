/**
 * The sweep's results: results.jsonl (one record per finished trial, in id order, with where and how long it ran),
 * results.md (the table: params, status, the swept metric first, then the other metrics; nothing that depends on
 * the runner, so the same sweep gives the same table embedded or on Redis workers) and a plot of the swept
 * metric (results.svg + results.png) against the one numeric path that varies, or against the trial number.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../io/fs.js';
import { lineChartSvg, PALETTE, type Series } from '../train/plot.js';
import { lineChartPng } from '../train/raster.js';
import type { TrialResult } from './folder.js';
import { metricOf, type SweepSpec } from './spec.js';

const fmt = (v: unknown): string => {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
};
const cell = (v: unknown) => fmt(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function variedOf(results: readonly TrialResult[]): string[] {
  return [...new Set(results.flatMap((r) => Object.keys(r.params)))];
}

/** The best finished trial by the sweep's metric, or null when none reported it. */
export function bestOf(spec: SweepSpec, results: readonly TrialResult[]): TrialResult | null {
  const { name, goal } = metricOf(spec);
  const ok = results.filter((r) => r.status === 'done' && Number.isFinite(r.metrics[name]));
  if (!ok.length) return null;
  return ok.reduce((a, b) => ((goal === 'max' ? b.metrics[name] > a.metrics[name] : b.metrics[name] < a.metrics[name]) ? b : a));
}

/** `out` is written as `.` in errors, so the same sweep in two folders gives the same table. */
export function resultsMarkdown(spec: SweepSpec, results: readonly TrialResult[], total: number, out = ''): string {
  const { name, goal } = metricOf(spec);
  const paths = variedOf(results);
  const others = [...new Set(results.flatMap((r) => Object.keys(r.metrics)))].filter((m) => m !== name);
  const head = ['trial', 'status', ...paths, `${name} (${goal})`, ...others, 'error'];
  const rows = results.map((r) => [r.id, r.status, ...paths.map((p) => r.params[p]), r.metrics[name], ...others.map((m) => r.metrics[m]), out && r.error ? r.error.split(out).join('.') : r.error]);
  const done = results.filter((r) => r.status === 'done').length;
  const best = bestOf(spec, results);
  return [
    `# Sweep${spec.name ? ` ${spec.name}` : ''}: ${spec.kind}`,
    '',
    `${results.length} of ${total} trials finished: ${done} done, ${results.length - done} failed.`
      + (best ? ` Best: trial ${best.id}, ${name} = ${fmt(best.metrics[name])}.` : ''),
    '',
    `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    '',
  ].join('\n');
}

/** Series of the swept metric: against the single numeric path that varies (one line per setting of the rest), else per trial. */
function plotSeries(spec: SweepSpec, results: readonly TrialResult[]): { xLabel: string; series: Series[] } {
  const { name } = metricOf(spec);
  const done = results.filter((r) => r.status === 'done' && Number.isFinite(r.metrics[name]));
  const paths = variedOf(done);
  const numeric = paths.filter((p) => done.every((r) => typeof r.params[p] === 'number'));
  const x = numeric.find((p) => p !== 'seed' && new Set(done.map((r) => r.params[p])).size > 1) ?? (numeric.length === 1 ? numeric[0] : undefined);
  if (!x) {
    let best = -Infinity;
    const sign = metricOf(spec).goal === 'max' ? 1 : -1;
    const so = done.map((r) => { best = Math.max(best, sign * r.metrics[name]); return [r.id, sign * best] as [number, number]; });
    return { xLabel: 'trial', series: [{ name, points: done.map((r) => [r.id, r.metrics[name]]) }, { name: 'best so far', points: so }] };
  }
  const groups = new Map<string, [number, number][]>();
  for (const r of done) {
    const rest = paths.filter((p) => p !== x).map((p) => `${p}=${fmt(r.params[p])}`).join(', ') || name;
    groups.set(rest, [...(groups.get(rest) ?? []), [r.params[x] as number, r.metrics[name]]]);
  }
  const series = [...groups].slice(0, PALETTE.length).map(([g, pts]) => ({ name: g, points: pts.sort((a, b) => a[0] - b[0]) }));
  return { xLabel: x, series };
}

/** Rewrites results.jsonl, results.md, results.svg and results.png from `results`. Returns the paths. */
export function writeTables(out: string, spec: SweepSpec, results: readonly TrialResult[], total: number): string[] {
  const files = ['results.jsonl', 'results.md', 'results.svg', 'results.png'].map((f) => join(out, f));
  writeFileAtomic(files[0], Buffer.from(results.map((r) => `${JSON.stringify(r)}\n`).join('')));
  writeFileAtomic(files[1], Buffer.from(resultsMarkdown(spec, results, total, out)));
  const { xLabel, series } = plotSeries(spec, results);
  const panels = [{ title: `${metricOf(spec).name} (${spec.kind} sweep)`, xLabel, series }];
  writeFileAtomic(files[2], Buffer.from(lineChartSvg(panels)));
  writeFileAtomic(files[3], lineChartPng(panels));
  return files;
}
