/** The Table-1-style report: one markdown row per benchmark, JSON and an SVG bar per region. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../src/score/report.js';
import type { RegionResult } from '../../src/score/benchmarks.js';

const row = (region: string, raw: number): RegionResult => ({
  benchmark: `X.${region}-pls`, region, layer: 'layer2', raw, sem: 0.01, perSplit: [raw], ceiling: 0.8, ceiled: (raw / 0.8) ** 2,
  form: 'explained-variance', commitment: [], stimuli: { public: 40, private: 20 }, neuroids: 12,
});

describe('score report', () => {
  it('writes markdown, JSON and SVG with raw r, SEM, ceiling and ceiled score', () => {
    const dir = mkdtempSync(join(tmpdir(), 'score-'));
    writeReport(dir, { model: 'grcnn-small', data: 'test', form: 'explained-variance', results: [row('V4', 0.4), row('IT', 0.6)] });
    const md = readFileSync(join(dir, 'scores.md'), 'utf8');
    expect(md).toContain('| X.IT-pls | IT | layer2 | 0.600 | 0.010 | 0.800 | 0.562 | 40/20 | 12 |');
    expect(md).toContain('Average 0.406');
    expect(JSON.parse(readFileSync(join(dir, 'scores.json'), 'utf8')).results).toHaveLength(2);
    expect(readFileSync(join(dir, 'scores.svg'), 'utf8').match(/<rect/g)).toHaveLength(2);
    // The PNG beside it: one bar per region (2 × 80 px + margins), the first bar's column filled in the palette blue.
    const png = PNG.sync.read(readFileSync(join(dir, 'scores.png')));
    expect(png.width).toBe(40 + 2 * 80);
    const px = (x: number, y: number) => Array.from(png.data.subarray(4 * (y * png.width + x), 4 * (y * png.width + x) + 3));
    expect(px(60, 190)).toEqual([0x1f, 0x77, 0xb4]);
    expect(px(60, 30)).toEqual([255, 255, 255]);
  });
});
