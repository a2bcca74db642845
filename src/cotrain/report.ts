/**
 * The co-training protocol's report (Safarani et al. 2021, Table 1 and Fig. 8): per run the clean accuracy, the
 * mean accuracy over corruptions × severities, the robustness score relative to the baseline
 * (1/C)·Σ_c Ā_c(run)/Ā_c(baseline) (src/analysis/robustness.ts), each with a percentile bootstrap interval over
 * seeds, and the neural predictivity where the run has a neural head; then the per-corruption ratios and a
 * small-multiples SVG of accuracy against severity per corruption, one line per run (severity 0 = clean).
 *
 * writeReport(dir, results, opts?) writes dir/report.md, dir/report.json and dir/severity-curves.svg and returns
 * the markdown and the paths. The robustness score uses the corruptions of the baseline's first seed; every seed
 * of every run must have them all, with the same number of severities.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bootstrapCI, type BootstrapResult } from '../stats/bootstrap.js';
import { robustnessScore, robustnessScoreCI, type CorruptionAccuracies } from '../analysis/robustness.js';
import { ArgumentError } from '../errors.js';
import type { ProtocolResults, RunSeedResult } from './results.js';
import { categoryScores, type CategoryScore } from './categories.js';
import type { CorruptionCategory } from '../corrupt/catalogue.js';

export interface ReportOptions {
  /** Bootstrap replicates per interval (default 2000: intervals over a handful of seeds need no more). */
  resamples?: number;
  /** Interval coverage (default 0.95). */
  level?: number;
  /** Bootstrap seed (default 0). */
  seed?: number;
}

/** One row of the main table; intervals are over seeds. */
export interface RunSummary {
  run: string;
  seeds: number[];
  clean: BootstrapResult;
  meanCorrupted: BootstrapResult;
  robustness: BootstrapResult;
  /** Ā_c(run)/Ā_c(baseline), seeds pooled. */
  perCorruption: Record<string, number>;
  /** Fig. 3A: the score per corruption category (seeds pooled); combines back to the overall score. */
  perCategory: Partial<Record<CorruptionCategory, CategoryScore>>;
  neural?: { corr: BootstrapResult; fevE: BootstrapResult };
}

export interface ReportSummary {
  baseline: string;
  /** Corruptions in the tables and the figure. */
  corruptions: string[];
  /** Corruptions in the robustness score: those on which every baseline seed has a non-zero mean accuracy. */
  scored: string[];
  severities: number;
  rows: RunSummary[];
}

const mean = (x: readonly number[]): number => x.reduce((a, b) => a + b, 0) / x.length;

/** Checks the results and returns the corruptions of the score and the number of severities. */
function checkResults(results: ProtocolResults): { corruptions: string[]; severities: number } {
  const base = results.runs[results.baseline];
  if (!base) throw new ArgumentError(`writeReport: baseline '${results.baseline}' is not among the runs (${Object.keys(results.runs).join(', ')})`);
  for (const [run, seeds] of Object.entries(results.runs)) {
    if (seeds.length === 0) throw new ArgumentError(`writeReport: run '${run}' has no seeds`);
  }
  const corruptions = Object.keys(base[0].acc);
  if (corruptions.length === 0) throw new ArgumentError(`writeReport: baseline '${results.baseline}' has no corrupted accuracies`);
  const severities = base[0].acc[corruptions[0]].length;
  if (severities === 0) throw new ArgumentError(`writeReport: baseline '${results.baseline}' has no severities for '${corruptions[0]}'`);
  for (const [run, seeds] of Object.entries(results.runs)) {
    for (const s of seeds) {
      for (const c of corruptions) {
        const levels = s.acc[c];
        if (!levels) throw new ArgumentError(`writeReport: run '${run}' seed ${s.seed} has no accuracies for '${c}'`);
        if (levels.length !== severities) throw new ArgumentError(`writeReport: run '${run}' seed ${s.seed} '${c}' has ${levels.length} severities, expected ${severities}`);
      }
    }
  }
  return { corruptions, severities };
}

/** [corruption][level][seed], the layout of the robustness score. */
function byLevel(seeds: readonly RunSeedResult[], corruptions: readonly string[]): CorruptionAccuracies {
  return Object.fromEntries(corruptions.map((c) => [c, seeds[0].acc[c].map((_, j) => seeds.map((s) => s.acc[c][j]))]));
}

/** Per-seed mean accuracy over the corruptions and severities. */
function meanCorruptedOf(s: RunSeedResult, corruptions: readonly string[]): number {
  return mean(corruptions.map((c) => mean(s.acc[c])));
}

/** The numbers of the report, without writing anything. */
export function summarize(results: ProtocolResults, opts: ReportOptions = {}): ReportSummary {
  const { corruptions, severities } = checkResults(results);
  const boot = { resamples: opts.resamples ?? 2000, level: opts.level ?? 0.95, seed: opts.seed ?? 0 };
  const baseSeeds = results.runs[results.baseline];
  const baseAcc = byLevel(baseSeeds, corruptions);
  // A baseline seed at 0% on a corruption makes Ā_c(run)/Ā_c(baseline) undefined in some bootstrap replicates.
  const scored = corruptions.filter((c) => baseSeeds.every((b) => mean(b.acc[c]) > 0));
  if (scored.length === 0) throw new ArgumentError(`writeReport: the baseline '${results.baseline}' has 0% accuracy on every corruption; no robustness score`);
  const rows = Object.entries(results.runs).map(([run, seeds]): RunSummary => {
    const acc = byLevel(seeds, corruptions);
    const neural = seeds.every((s) => s.neural)
      ? { corr: bootstrapCI(seeds.map((s) => s.neural!.corr), boot), fevE: bootstrapCI(seeds.map((s) => s.neural!.fevE), boot) }
      : undefined;
    const perCorruption = robustnessScore(acc, baseAcc, scored).perCorruption;
    return {
      run,
      seeds: seeds.map((s) => s.seed),
      clean: bootstrapCI(seeds.map((s) => s.clean), boot),
      meanCorrupted: bootstrapCI(seeds.map((s) => meanCorruptedOf(s, corruptions)), boot),
      robustness: robustnessScoreCI(acc, baseAcc, scored, boot),
      perCorruption,
      perCategory: categoryScores(perCorruption, scored),
      neural,
    };
  });
  return { baseline: results.baseline, corruptions, scored, severities, rows };
}

const pct = (v: number): string => (100 * v).toFixed(1);
const fixed = (v: number): string => v.toFixed(3);
const withCI = (r: BootstrapResult, f: (v: number) => string): string => `${f(r.estimate)} [${f(r.lo)}, ${f(r.hi)}]`;

function markdownOf(results: ProtocolResults, s: ReportSummary, svgName: string): string {
  const level = Math.round(100 * (s.rows[0]?.clean.level ?? 0.95));
  const lines: string[] = ['# Neural co-training: robustness report', ''];
  const meta = Object.entries(results.meta);
  if (meta.length) {
    for (const [k, v] of meta) lines.push(`- **${k}**: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
    lines.push('');
  }
  lines.push(`Accuracies are top-1 in %, means over seeds with ${level}% percentile-bootstrap intervals over seeds. `
    + `Corrupted accuracy is the mean over ${s.corruptions.length} corruptions × ${s.severities} severities. `
    + `Robustness = (1/${s.scored.length})·Σ_c Ā_c(run)/Ā_c(${s.baseline}) (Ā_c: mean over severities and seeds).`, '');
  if (s.corruptions.includes('frost')) {
    lines.push('frost uses a procedural ice layer, not the ImageNet-C frost photographs (src/corrupt/corrupt.ts).', '');
  }
  const unscored = s.corruptions.filter((c) => !s.scored.includes(c));
  if (unscored.length) lines.push(`Left out of the robustness score (a baseline seed has 0% accuracy): ${unscored.join(', ')}.`, '');
  lines.push(`| Run | Seeds | Clean acc. | Corrupted acc. | Robustness vs ${s.baseline} | Neural corr | FEVe |`);
  lines.push('|---|---|---|---|---|---|---|');
  for (const r of s.rows) {
    lines.push(`| ${r.run} | ${r.seeds.length} | ${withCI(r.clean, pct)} | ${withCI(r.meanCorrupted, pct)} | ${withCI(r.robustness, fixed)} | `
      + `${r.neural ? withCI(r.neural.corr, fixed) : '—'} | ${r.neural ? withCI(r.neural.fevE, fixed) : '—'} |`);
  }
  const cats = [...new Set(s.rows.flatMap((r) => Object.keys(r.perCategory)))] as CorruptionCategory[];
  lines.push('', `## Per category (Fig. 3A): mean of Ā_c(run) / Ā_c(${s.baseline}) over the category's corruptions`, '');
  lines.push(`| Category | ${s.rows.map((r) => r.run).join(' | ')} |`, `|---|${s.rows.map(() => '---|').join('')}`);
  for (const k of cats) lines.push(`| ${k} (${s.rows[0].perCategory[k]?.corruptions.length ?? 0}) | ${s.rows.map((r) => fixed(r.perCategory[k]?.score ?? NaN)).join(' | ')} |`);
  lines.push('', `## Per corruption: Ā_c(run) / Ā_c(${s.baseline})`, '');
  lines.push(`| Corruption | ${s.rows.map((r) => r.run).join(' | ')} |`, `|---|${s.rows.map(() => '---|').join('')}`);
  for (const c of s.scored) lines.push(`| ${c} | ${s.rows.map((r) => fixed(r.perCorruption[c])).join(' | ')} |`);
  lines.push('', '## Accuracy against severity', '', `![Accuracy per corruption against severity, one line per run](${svgName})`, '');
  return lines.join('\n');
}

// ---- severity curves (Fig. 8 style small multiples) --------------------------------------------------------------

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

interface Curve { run: string; color: string; points: { x: number; y: number; lo: number; hi: number }[] }

function esc(s: string): string { return s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`); }

/** Mean over seeds with a bootstrap band, at severity 0 (clean) … n, for one corruption or for the mean over all. */
function curvesOf(results: ProtocolResults, s: ReportSummary, corruption: string | null, opts: ReportOptions): Curve[] {
  const boot = { resamples: Math.min(opts.resamples ?? 2000, 1000), level: opts.level ?? 0.95, seed: opts.seed ?? 0 };
  return Object.entries(results.runs).map(([run, seeds], i) => {
    const at = (j: number): number[] => seeds.map((r) => (j === 0 ? r.clean
      : corruption === null ? mean(s.corruptions.map((c) => r.acc[c][j - 1])) : r.acc[corruption][j - 1]));
    const points = Array.from({ length: s.severities + 1 }, (_, j) => {
      const ci = bootstrapCI(at(j), boot);
      return { x: j, y: ci.estimate, lo: ci.lo, hi: ci.hi };
    });
    return { run, color: PALETTE[i % PALETTE.length], points };
  });
}

/** Small multiples: one panel per corruption plus one for the mean, shared axes (accuracy 0…max), legend on top. */
export function severityCurvesSvg(results: ProtocolResults, s: ReportSummary, opts: ReportOptions = {}): string {
  const panels: { title: string; curves: Curve[] }[] = [
    { title: 'mean over corruptions', curves: curvesOf(results, s, null, opts) },
    ...s.corruptions.map((c) => ({ title: c.replace(/_/g, ' '), curves: curvesOf(results, s, c, opts) })),
  ];
  const cols = Math.min(5, panels.length);
  const rows = Math.ceil(panels.length / cols);
  const pw = 200, ph = 160, m = { l: 40, r: 10, t: 22, b: 30 }, legendH = 48;
  const width = cols * pw, height = legendH + rows * ph;
  const yMax = Math.min(1, Math.max(0.1, ...panels.flatMap((p) => p.curves.flatMap((c) => c.points.map((q) => q.hi)))) * 1.05);
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((t) => t * yMax);
  const parts: string[] = [];
  const names = Object.keys(results.runs);
  const level = Math.round(100 * (opts.level ?? 0.95));
  parts.push(`<text x="10" y="16" font-size="13" font-weight="bold">Top-1 accuracy (%) against severity (0 = clean): `
    + `mean over seeds, ${level}% bootstrap band</text>`);
  names.forEach((run, i) => {
    const x = 10 + i * Math.max(110, width / names.length);
    parts.push(`<rect x="${x}" y="29" width="14" height="4" fill="${PALETTE[i % PALETTE.length]}"/>`
      + `<text x="${x + 18}" y="35" font-size="12">${esc(run)}</text>`);
  });
  panels.forEach((p, k) => {
    const ox = (k % cols) * pw, oy = legendH + Math.floor(k / cols) * ph;
    const W = pw - m.l - m.r, H = ph - m.t - m.b;
    const sx = (x: number): number => ox + m.l + (x / s.severities) * W;
    const sy = (y: number): number => oy + m.t + H - (y / yMax) * H;
    parts.push(`<text x="${ox + m.l}" y="${oy + 15}" font-size="12" font-weight="bold">${esc(p.title)}</text>`);
    parts.push(`<rect x="${ox + m.l}" y="${oy + m.t}" width="${W}" height="${H}" fill="none" stroke="#888"/>`);
    for (const t of yTicks) {
      parts.push(`<line x1="${ox + m.l}" x2="${ox + m.l + W}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`
        + `<text x="${ox + m.l - 4}" y="${(sy(t) + 4).toFixed(1)}" font-size="9" text-anchor="end">${pct(t)}</text>`);
    }
    for (let j = 0; j <= s.severities; j++) {
      parts.push(`<text x="${sx(j).toFixed(1)}" y="${oy + m.t + H + 12}" font-size="9" text-anchor="middle">${j}</text>`);
    }
    parts.push(`<text x="${ox + m.l + W / 2}" y="${oy + ph - 4}" font-size="10" text-anchor="middle">severity (0 = clean)</text>`);
    for (const c of p.curves) {
      const band = [...c.points.map((q) => `${sx(q.x).toFixed(1)},${sy(q.hi).toFixed(1)}`),
        ...c.points.slice().reverse().map((q) => `${sx(q.x).toFixed(1)},${sy(q.lo).toFixed(1)}`)].join(' ');
      parts.push(`<polygon points="${band}" fill="${c.color}" fill-opacity="0.15" stroke="none"/>`);
      const d = c.points.map((q, j) => `${j ? 'L' : 'M'}${sx(q.x).toFixed(1)},${sy(q.y).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${c.color}" stroke-width="1.5"/>`);
      for (const q of c.points) parts.push(`<circle cx="${sx(q.x).toFixed(1)}" cy="${sy(q.y).toFixed(1)}" r="2" fill="${c.color}"/>`);
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`
    + `<rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}

/** Writes report.md, report.json and severity-curves.svg into `dir` (created if needed). */
export function writeReport(dir: string, results: ProtocolResults, opts: ReportOptions = {}): { markdown: string; files: string[] } {
  const summary = summarize(results, opts);
  const svgName = 'severity-curves.svg';
  const markdown = markdownOf(results, summary, svgName);
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'report.md'), join(dir, 'report.json'), join(dir, svgName)].map((f) => resolve(f));
  writeFileSync(files[0], markdown);
  writeFileSync(files[1], JSON.stringify({ summary, results }, null, 1) + '\n');
  writeFileSync(files[2], severityCurvesSvg(results, summary, opts));
  return { markdown, files };
}
