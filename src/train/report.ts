/**
 * The run report written at the end of `train`, `finetune` and `eval`: report.md and report.html (figures inline
 * as data URIs, so the page is one file to open or send) with the training curves (curves.svg and curves.png),
 * per-class accuracy, the confusion matrix (table and confusion.png), a grid of validation images with predicted
 * and true labels (val-grid.png), the throughput and the adapter.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/fs.js';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import type { EvalResult } from './evaluate.js';
import type { MetricsLog } from './metrics-log.js';
import { lineChartSvg, type Panel } from './plot.js';
import { confusionPng, imageGridPng, lineChartPng } from './raster.js';

export interface ReportInput {
  out: string;
  /** 'train', 'finetune' or 'eval'. */
  command: string;
  adapter: string;
  model: string;
  data: string;
  final: EvalResult;
  val: Dataset;
  metrics?: MetricsLog;
  steps?: number;
  wallSeconds?: number;
  replay?: { eager: number; captured: number; replayed: number };
  /** Validation images in the grid (default 32). */
  gridSize?: number;
}

export interface ReportFiles { md: string; html: string; confusion: number[][] }

/** The curve panels of a metrics log: losses, then validation accuracy, by step. */
export function curvePanels(recs: Record<string, unknown>[]): Panel[] {
  const pts = (key: string) => recs.filter((r) => typeof r[key] === 'number').map((r) => [r.step as number, r[key] as number] as [number, number]);
  return [
    { title: 'training loss', xLabel: 'step', series: [{ name: 'train loss', points: pts('loss') }, { name: 'val loss', points: pts('valLoss') }] },
    { title: 'validation accuracy', xLabel: 'step', series: [{ name: 'top-1', points: pts('valTop1') }, { name: 'top-5', points: pts('valTop5') }] },
  ];
}

/** Writes curves.svg and curves.png from the same panels. */
export function writeCurves(out: string, metrics: MetricsLog): Panel[] {
  const panels = curvePanels(metrics.read());
  writeFileAtomic(join(out, 'curves.svg'), Buffer.from(lineChartSvg(panels)));
  writeFileAtomic(join(out, 'curves.png'), lineChartPng(panels));
  return panels;
}

/** counts[true][predicted]. */
export function confusionMatrix(labels: Int32Array, predicted: Int32Array, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  labels.forEach((y, i) => { m[y][predicted[i]]++; });
  return m;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function writeReport(r: ReportInput): ReportFiles {
  const names = r.val.classNames.length ? r.val.classNames : Array.from({ length: r.val.numClasses }, (_, i) => `class ${i}`);
  const k = r.val.numClasses;
  const f = r.final;
  const confusion = confusionMatrix(f.labels, f.predicted, k);
  writeFileAtomic(join(r.out, 'confusion.png'), confusionPng(confusion));
  const nGrid = Math.min(r.gridSize ?? 32, f.n);
  // Evenly spread over the split, so every class shows up in a class-interleaved set like synth-objects.
  const picks = Array.from({ length: nGrid }, (_, i) => Math.floor((i * f.n) / nGrid));
  const tiles = picks.map((i) => {
    const s = r.val.get(f.indices[i]);
    return { image: { data: s.data, shape: s.shape }, correct: f.predicted[i] === f.labels[i], pred: names[f.predicted[i]], truth: names[f.labels[i]] };
  });
  writeFileAtomic(join(r.out, 'val-grid.png'), imageGridPng(tiles));
  const panels = r.metrics ? writeCurves(r.out, r.metrics) : [];

  const recs = r.metrics?.read() ?? [];
  const ips = recs.map((x) => x.imagesPerSec).filter((v): v is number => typeof v === 'number');
  const meanIps = ips.length ? ips.reduce((a, b) => a + b, 0) / ips.length : NaN;
  const facts: [string, string][] = [
    ['command', r.command], ['adapter', r.adapter], ['model', r.model], ['data', r.data],
    ['validation', `top-1 ${pct(f.top1)}, top-5 ${pct(f.top5)}, loss ${f.loss.toFixed(4)} on ${f.n} images (chance ${pct(1 / k)})`],
  ];
  if (r.steps !== undefined) facts.push(['steps', String(r.steps)]);
  if (r.wallSeconds !== undefined) facts.push(['wall time', `${r.wallSeconds.toFixed(0)} s`]);
  if (ips.length) facts.push(['throughput', `${meanIps.toFixed(1)} training images/s (mean of ${ips.length} log intervals)`]);
  if (r.replay) facts.push(['steps replayed', `${r.replay.replayed} replayed, ${r.replay.captured} captured, ${r.replay.eager} eager`]);

  const perClass = names.map((name, i) => {
    const total = confusion[i].reduce((a, b) => a + b, 0);
    return { name, total, acc: total ? confusion[i][i] / total : NaN };
  });
  const ranges = panels.map((p) => {
    const ys = p.series.flatMap((s) => s.points.map((q) => q[1]));
    const xs = p.series.flatMap((s) => s.points.map((q) => q[0]));
    return ys.length ? `${p.title}: ${p.series.map((s) => s.name).join(' / ')}, steps ${Math.min(...xs)}–${Math.max(...xs)}, `
      + `y ${Math.min(...ys).toPrecision(3)}–${Math.max(...ys).toPrecision(3)}` : `${p.title}: no data`;
  });

  const md: string[] = [`# ${r.command} report: ${r.out}`, '', '| | |', '|---|---|', ...facts.map(([a, b]) => `| ${a} | ${b} |`), ''];
  if (panels.length) md.push('## Curves', '', '![curves](curves.png)', '', `([SVG](curves.svg); ${ranges.join('; ')})`, '');
  md.push('## Per-class accuracy', '', '| class | images | top-1 |', '|---|---|---|', ...perClass.map((c) => `| ${c.name} | ${c.total} | ${pct(c.acc)} |`), '');
  md.push('## Confusion matrix (rows: true, columns: predicted)', '', '![confusion](confusion.png)', '',
    `| | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`, ...confusion.map((row, i) => `| **${names[i]}** | ${row.join(' | ')} |`), '');
  md.push(`## Validation images (green frame: right, red: wrong; row-major, ${8} per row)`, '', '![validation images](val-grid.png)', '',
    '| # | predicted | true |', '|---|---|---|', ...tiles.map((t, i) => `| ${i + 1} | ${t.pred} | ${t.truth} |`), '');
  const mdPath = join(r.out, 'report.md');
  writeFileAtomic(mdPath, Buffer.from(md.join('\n')));

  // The page inlines the PNGs just written, so it is one file to open or send.
  const uri = (file: string) => `data:image/png;base64,${readFileSync(join(r.out, file)).toString('base64')}`;
  const tileUri = (t: (typeof tiles)[number]) => `data:image/png;base64,${imageGridPng([t], 1, 64).toString('base64')}`;
  const html = [
    '<!doctype html><meta charset="utf-8">', `<title>${esc(r.command)} report</title>`,
    '<style>body{font:14px sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}'
      + '.grid{display:flex;flex-wrap:wrap;gap:6px}.grid figure{margin:0;text-align:center;font-size:11px}.wrong{color:#c00}</style>',
    `<h1>${esc(r.command)} report: ${esc(r.out)}</h1>`,
    `<table>${facts.map(([a, b]) => `<tr><th>${esc(a)}</th><td style="text-align:left">${esc(b)}</td></tr>`).join('')}</table>`,
    panels.length ? `<h2>Curves</h2><img src="${uri('curves.png')}" alt="curves"><p>${esc(ranges.join('; '))}</p>` : '',
    `<h2>Per-class accuracy</h2><table><tr><th>class</th><th>images</th><th>top-1</th></tr>${perClass.map((c) => `<tr><td>${esc(c.name)}</td><td>${c.total}</td><td>${pct(c.acc)}</td></tr>`).join('')}</table>`,
    `<h2>Confusion matrix</h2><p>rows: true class, columns: predicted</p><img src="${uri('confusion.png')}" alt="confusion">`,
    `<table><tr><th></th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>${confusion.map((row, i) => `<tr><th>${esc(names[i])}</th>${row.map((v) => `<td>${v}</td>`).join('')}</tr>`).join('')}</table>`,
    `<h2>Validation images</h2><div class="grid">${tiles.map((t) => `<figure><img src="${tileUri(t)}" alt="${esc(t.truth)}"><figcaption class="${t.correct ? '' : 'wrong'}">`
      + `pred ${esc(t.pred)}<br>true ${esc(t.truth)}</figcaption></figure>`).join('')}</div>`,
  ].join('\n');
  const htmlPath = join(r.out, 'report.html');
  writeFileAtomic(htmlPath, Buffer.from(html + '\n'));
  return { md: mdPath, html: htmlPath, confusion };
}
