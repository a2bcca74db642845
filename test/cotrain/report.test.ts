/**
 * writeReport: the table's numbers against hand computations (means over seeds, corrupted mean, robustness score
 * relative to the baseline), the files it writes, the severity-curve figure's panels and lines, and the checks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarize, writeReport } from '../../src/cotrain/report.js';
import type { ProtocolResults, RunSeedResult } from '../../src/cotrain/results.js';

const dir = mkdtempSync(join(tmpdir(), 'cotrain-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A seed whose accuracy on corruption c at severity s is base·f_c·(1 − 0.1·s). */
function seed(seedId: number, clean: number, f: Record<string, number>, neural?: RunSeedResult['neural']): RunSeedResult {
  const acc = Object.fromEntries(Object.entries(f).map(([c, v]) => [c, [1, 2, 3].map((s) => clean * v * (1 - 0.1 * s))]));
  return { seed: seedId, clean, acc, ...(neural ? { neural } : {}) };
}

const F = { fog: 0.5, gaussian_noise: 0.8 };
const RESULTS: ProtocolResults = {
  baseline: 'Baseline',
  runs: {
    Baseline: [seed(1, 0.6, F), seed(2, 0.6, F)],
    'MTL-Monkey': [
      seed(1, 0.5, { fog: 0.8, gaussian_noise: 0.8 }, { corr: 0.4, fevE: 0.3 }),
      seed(2, 0.7, { fog: 0.8, gaussian_noise: 0.8 }, { corr: 0.5, fevE: 0.5 }),
    ],
  },
  meta: { images: 40, note: 'unit test' },
};

describe('writeReport', () => {
  it('computes the table from the seeds: clean mean, corrupted mean, robustness vs the baseline', () => {
    const s = summarize(RESULTS, { resamples: 300 });
    const [base, mtl] = s.rows;
    expect(s.corruptions).toEqual(['fog', 'gaussian_noise']);
    expect(s.scored).toEqual(s.corruptions);
    expect(s.severities).toBe(3);
    expect(base.clean.estimate).toBeCloseTo(0.6, 12);
    expect([base.clean.lo, base.clean.hi]).toEqual([base.clean.estimate, base.clean.estimate]);
    // Mean over severities of (1 − 0.1 s) is 0.8: corrupted mean = clean · mean_c f_c · 0.8.
    expect(base.meanCorrupted.estimate).toBeCloseTo(0.6 * 0.65 * 0.8, 12);
    expect(base.robustness.estimate).toBeCloseTo(1, 12);
    expect(mtl.clean.estimate).toBeCloseTo(0.6, 12);
    expect(mtl.clean.lo).toBeGreaterThanOrEqual(0.5);
    expect(mtl.clean.hi).toBeLessThanOrEqual(0.7);
    expect(mtl.clean.hi - mtl.clean.lo).toBeGreaterThan(0.05);
    // Ā_fog: 0.6·0.8·0.8 vs 0.6·0.5·0.8 → 1.6; gaussian_noise 1 ⇒ score 1.3.
    expect(mtl.perCorruption.fog).toBeCloseTo(1.6, 12);
    expect(mtl.perCorruption.gaussian_noise).toBeCloseTo(1, 12);
    expect(mtl.robustness.estimate).toBeCloseTo(1.3, 12);
    expect(mtl.neural?.corr.estimate).toBeCloseTo(0.45, 12);
    expect(mtl.neural?.fevE.estimate).toBeCloseTo(0.4, 12);
    expect(base.neural).toBeUndefined();
  });

  it('writes report.md, report.json and the severity-curve SVG', () => {
    const { markdown, files } = writeReport(dir, RESULTS, { resamples: 300 });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['report.md', 'report.json', 'severity-curves.svg']);
    expect(readFileSync(files[0], 'utf8')).toBe(markdown);
    expect(markdown).toMatch(/\| Baseline \| 2 \| 60\.0 \[60\.0, 60\.0\] \| 31\.2 \[31\.2, 31\.2\] \| 1\.000 \[/);
    expect(markdown).toMatch(/\| MTL-Monkey \| 2 \| 60\.0 \[50\.0, 70\.0\] \| [\d.]+ \[[\d., ]+\] \| 1\.300 \[[\d.]+, [\d.]+\] \| 0\.450 \[/);
    expect(markdown).toMatch(/\| fog \| 1\.000 \| 1\.600 \|/);
    expect(markdown).toContain('**note**: unit test');
    expect(markdown).toContain('](severity-curves.svg)');
    const json = JSON.parse(readFileSync(files[1], 'utf8'));
    expect(json.summary.rows.map((r: { run: string }) => r.run)).toEqual(['Baseline', 'MTL-Monkey']);
    expect(json.results.runs['MTL-Monkey'][1].neural.fevE).toBe(0.5);
    const svg = readFileSync(files[2], 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    // One panel for the mean and one per corruption, each with one line per run over severities 0…3.
    for (const title of ['mean over corruptions', 'fog', 'gaussian noise']) expect(svg).toContain(`>${title}</text>`);
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]);
    expect(paths).toHaveLength(3 * 2);
    for (const d of paths) expect(d.split(/[ML]/).filter(Boolean)).toHaveLength(4);
    expect([...svg.matchAll(/<circle /g)]).toHaveLength(3 * 2 * 4);
  });

  it('leaves corruptions where a baseline seed scores 0% out of the score, and says so', () => {
    const zero = structuredClone(RESULTS);
    zero.runs.Baseline[1].acc.fog = [0, 0, 0];
    const s = summarize(zero, { resamples: 100 });
    expect(s.scored).toEqual(['gaussian_noise']);
    expect(s.rows[1].robustness.estimate).toBeCloseTo(1, 12);
    expect(writeReport(join(dir, 'zero'), zero, { resamples: 100 }).markdown).toContain('Left out of the robustness score (a baseline seed has 0% accuracy): fog.');
  });

  it('rejects a missing baseline, missing corruptions and ragged severities', () => {
    expect(() => summarize({ ...RESULTS, baseline: 'VGG' })).toThrow(/baseline 'VGG' is not among the runs/);
    const missing = structuredClone(RESULTS);
    delete (missing.runs['MTL-Monkey'][0].acc as Record<string, number[]>).fog;
    expect(() => summarize(missing)).toThrow(/'MTL-Monkey' seed 1 has no accuracies for 'fog'/);
    const ragged = structuredClone(RESULTS);
    ragged.runs['MTL-Monkey'][1].acc.fog.pop();
    expect(() => summarize(ragged)).toThrow(/'fog' has 2 severities, expected 3/);
    expect(() => summarize({ ...RESULTS, runs: { ...RESULTS.runs, Oracle: [] } })).toThrow(/'Oracle' has no seeds/);
  });
});
