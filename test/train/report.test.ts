import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PNG } from 'pngjs';
import { useEngine } from '../helpers/engine.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { confusionMatrix } from '../../src/train/report.js';
import { etaSeconds, formatSeconds, trainingBar } from '../../src/cli/progress.js';

const eng = useEngine();

describe('run report', () => {
  it('train writes report.md/html, curves (SVG + PNG), a confusion matrix summing to the validation size, an image grid', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cg-report-'));
    const cfg = parseTrainConfig({
      seed: 2, model: { stemChannels: 4, planes: [4, 8], expansion: 2, iters: [1, 1], groups: 2 },
      data: { kind: 'synth-objects-64', perClass: 2, valPerClass: 3, imageSize: 16 }, train: { epochs: 2, batchSize: 10, logEvery: 1 },
    });
    const r = await runTraining(eng(), cfg, { out });
    r.model.dispose();
    for (const f of ['report.md', 'report.html', 'curves.svg', 'curves.png', 'confusion.png', 'val-grid.png']) expect(existsSync(join(out, f)), f).toBe(true);
    for (const f of ['curves.png', 'confusion.png', 'val-grid.png']) {
      const png = PNG.sync.read(readFileSync(join(out, f)));
      expect(png.width * png.height, f).toBeGreaterThan(100);
    }
    // 30 validation images: a 4×8 grid holds them all.
    const grid = PNG.sync.read(readFileSync(join(out, 'val-grid.png')));
    expect([grid.width, grid.height]).toEqual([8 * 70, 4 * 70]);
    const m = confusionMatrix(r.final.labels, r.final.predicted, 10);
    expect(m.flat().reduce((a, b) => a + b, 0)).toBe(30);
    expect(m.map((row) => row.reduce((a, b) => a + b, 0))).toEqual(new Array(10).fill(3));
    const diag = m.reduce((a, row, i) => a + row[i], 0);
    expect(diag / 30).toBeCloseTo(r.final.top1, 10);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('![curves](curves.png)');
    expect(md).toMatch(/\| disk \| 3 \| [\d.]+ % \|/);
    expect(md).toContain('on 30 images');
    expect(md).toContain('steps replayed');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect((html.match(/src="data:image\/png;base64,/g) ?? []).length).toBe(2 + 30);
  });

  it('the ETA is wall time per step so far times the steps left; a non-TTY log gets lines at a steady cadence', () => {
    expect(etaSeconds({ step: 10, t: 0 }, { step: 30, t: 40_000 }, 100)).toBe(140);
    expect(formatSeconds(140)).toBe('2m20s');
    expect(formatSeconds(3 * 3600 + 65)).toBe('3h01m');
    const lines: string[] = [];
    const bar = trainingBar(true, { tty: false, everySeconds: 0, write: (l) => lines.push(l) });
    for (let s = 1; s <= 5; s++) bar.update({ step: s * 10, totalSteps: 50, epoch: 0, loss: 2, lr: 0.1, imagesPerSec: 5 });
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatch(/^step 50\/50 \(100%\).*ETA 0m00s$/);
    const quiet: string[] = [];
    const slow = trainingBar(true, { tty: false, everySeconds: 3600, write: (l) => quiet.push(l) });
    for (let s = 1; s <= 5; s++) slow.update({ step: s * 10, totalSteps: 50, epoch: 0, loss: 2, lr: 0.1, imagesPerSec: 5 });
    // The first update and the last step always print; the ones between wait for the cadence.
    expect(quiet.map((l) => l.split(' ')[1])).toEqual(['10/50', '50/50']);
  });
});
