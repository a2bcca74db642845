// TPE and random search on a function with a known optimum (0 at x = 0.3, y = −0.5, c = 'b', k = 4), seeded:
// at equal trials TPE's best is lower on average over seeds. A search stopped after 3 trials resumes and runs
// only the remaining ones.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunner, runSearch, type Trial } from '../../src/convrnn/search/search.js';
import type { Space } from '../../src/convrnn/search/space.js';
import { ConfigError } from '../../src/errors.js';

const SPACE: Space = [
  { name: 'x', kind: 'uniform', low: -2, high: 2 },
  { name: 'y', kind: 'uniform', low: -2, high: 2 },
  { name: 'c', kind: 'choice', options: ['a', 'b', 'c', 'd'] },
  { name: 'k', kind: 'int', low: 0, high: 9 },
];
const f = (p: Trial['point']) => (Number(p.x) - 0.3) ** 2 + (Number(p.y) + 0.5) ** 2 + (p.c === 'b' ? 0 : 1) + 0.1 * Math.abs(Number(p.k) - 4);
const runner = () => new LocalRunner(async (t) => ({ loss: f(t.point), metrics: {} }));

describe('architecture search', () => {
  it('TPE beats random search at equal trials on a function with a known optimum', async () => {
    let tpe = 0; let rnd = 0;
    const seeds = [1, 2, 3, 4, 5, 6];
    for (const seed of seeds) {
      tpe += (await runSearch({ space: SPACE, algo: 'tpe', trials: 50, seed, runner: runner() })).best.loss;
      rnd += (await runSearch({ space: SPACE, algo: 'random', trials: 50, seed, runner: runner() })).best.loss;
    }
    expect(tpe / seeds.length, `mean best: tpe ${tpe / seeds.length}, random ${rnd / seeds.length}`).toBeLessThan(0.7 * (rnd / seeds.length));
    expect(tpe / seeds.length).toBeLessThan(0.3);
  });

  it('resumes after being stopped: only the missing trials run, with the same proposals', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'search-'));
    const seen: number[] = [];
    const r = new LocalRunner(async (t) => { seen.push(t.id); return { loss: f(t.point), metrics: { acc: 1 - f(t.point) } }; });
    await runSearch({ space: SPACE, algo: 'tpe', trials: 3, seed: 7, runner: r, out: dir, tpe: { startup: 2 } });
    const resumed = await runSearch({ space: SPACE, algo: 'tpe', trials: 5, seed: 7, runner: r, out: dir, tpe: { startup: 2 } });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    const straight = await runSearch({ space: SPACE, algo: 'tpe', trials: 5, seed: 7, runner: runner(), tpe: { startup: 2 } });
    expect(resumed.records.map((x) => x.point)).toEqual(straight.records.map((x) => x.point));
    expect(readFileSync(join(dir, 'trials.jsonl'), 'utf8').trim().split('\n')).toHaveLength(5);
    expect(readFileSync(join(dir, 'results.md'), 'utf8')).toMatch(/\| trial \| loss \| acc \| x \| y \| c \| k \|/);
  });

  it('a bad space fails naming the dimension', async () => {
    await expect(runSearch({ space: [{ name: 'x', kind: 'uniform', low: 1, high: 1 }], algo: 'random', trials: 1, seed: 0, runner: runner() }))
      .rejects.toThrow(ConfigError);
  });
});

describe('conv-RNN architecture search', () => {
  it('every point of the space is a valid model', async () => {
    const { samplePoint } = await import('../../src/convrnn/search/space.js');
    const { CONVRNN_SPACE, convrnnFromPoint } = await import('../../src/convrnn/search/convrnn-space.js');
    const { planModel } = await import('../../src/convrnn/graph.js');
    const { Rng } = await import('../../src/random/rng.js');
    for (let i = 0; i < 40; i++) expect(planModel(convrnnFromPoint(samplePoint(CONVRNN_SPACE, Rng.of(3, i)))).size).toBe(5);
  });
});
