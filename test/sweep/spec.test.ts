import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseSweep } from '../../src/sweep/spec.js';
import { applyParams, expandTrials, proposeRound, type Finished } from '../../src/sweep/expand.js';
import { parseQueueUrl } from '../../src/sweep/redis.js';
import { validateTrialConfig } from '../../src/sweep/kinds.js';

const refuses = (raw: unknown, msg: RegExp) => {
  expect(() => parseSweep(raw, 's.json')).toThrow(ConfigError);
  expect(() => parseSweep(raw, 's.json')).toThrow(msg);
};

describe('sweep files', () => {
  it('refuses unknown fields, empty grids and contradictions, naming the field', () => {
    refuses({ kind: 'train', vary: { grid: { 'train.lr': [1] } }, seeed: 1 }, /s\.json: unknown field 'seeed'/);
    refuses({ kind: 'train', vary: { grid: { 'train.lr': [1] }, grdi: {} } }, /unknown field 'vary\.grdi'/);
    refuses({ kind: 'train', vary: { grid: { 'train.lr': [] } } }, /field 'vary\.grid\.train\.lr': an empty grid axis has no trials/);
    refuses({ kind: 'train', vary: {} }, /field 'vary': names nothing to vary/);
    refuses({ kind: 'train' }, /needs vary/);
    refuses({ kind: 'trian', vary: { seeds: [1] } }, /field 'kind'/);
    refuses({ kind: 'train', vary: { seeds: [1] }, search: { algo: 'tpe', trials: 2, space: [{ name: 'train.lr', kind: 'uniform', low: 1, high: 2 }] } }, /either vary or search/);
    refuses({ kind: 'train', search: { algo: 'tpe', trials: 2, space: [{ name: 'train.lr', kind: 'uniform', low: 2, high: 1 }] } }, /field 'search\.space\.0': needs high > low/);
    refuses(null, /expected a JSON object, got null/);
  });

  it('expands list × grid × random × seeds, last factor fastest, random draws seeded', () => {
    const s = parseSweep({ kind: 'train', vary: {
      list: [{ 'model.planes': [4, 8] }, { 'model.planes': [8, 8] }], grid: { 'train.lr': [0.1, 0.2] }, seeds: [0, 1],
    } });
    const t = expandTrials(s);
    expect(t).toHaveLength(8);
    expect(t[0].params).toEqual({ 'model.planes': [4, 8], 'train.lr': 0.1, seed: 0 });
    expect(t[1].params).toEqual({ 'model.planes': [4, 8], 'train.lr': 0.1, seed: 1 });
    expect(t[7].params).toEqual({ 'model.planes': [8, 8], 'train.lr': 0.2, seed: 1 });
    const r = parseSweep({ kind: 'train', vary: { random: { count: 5, seed: 3, space: [{ name: 'train.lr', kind: 'uniform', low: 0.01, high: 0.1 }] } } });
    const a = expandTrials(r).map((x) => x.params['train.lr'] as number);
    expect(a).toEqual(expandTrials(r).map((x) => x.params['train.lr']));
    expect(new Set(a).size).toBe(5);
    for (const x of a) expect(x >= 0.01 && x < 0.1).toBe(true);
    const other = parseSweep({ kind: 'train', vary: { random: { count: 5, seed: 4, space: [{ name: 'train.lr', kind: 'uniform', low: 0.01, high: 0.1 }] } } });
    expect(expandTrials(other).map((x) => x.params['train.lr'])).not.toEqual(a);
  });

  it('writes dotted paths into a copy of the base, refusing to descend into a non-object', () => {
    const base = { train: { lr: 1, epochs: 2 } };
    expect(applyParams(base, { 'train.lr': 0.5, 'model.planes': [4] })).toEqual({ train: { lr: 0.5, epochs: 2 }, model: { planes: [4] } });
    expect(base.train.lr).toBe(1);
    expect(() => applyParams(base, { 'train.lr.x': 1 })).toThrow(/base field 'train\.lr' is 1, not an object/);
  });

  it('search rounds are a function of earlier rounds only (resume and worker count do not change proposals)', () => {
    const s = parseSweep({ kind: 'train', search: { algo: 'tpe', trials: 8, seed: 2, batch: 2, startup: 2,
      space: [{ name: 'train.lr', kind: 'uniform', low: 0, high: 1 }, { name: 'train.optimizer', kind: 'choice', options: ['sgd', 'adam'] }] } }).search!;
    const score = (p: Record<string, unknown>) => -Math.abs((p['train.lr'] as number) - 0.3);
    const finished: Finished[] = [];
    for (let first = 0; first < 8; first += 2) {
      const round = proposeRound(s, 'max', finished, first, 2);
      // Results of the same round, or later ones, do not change what a round proposes.
      const noisy = [...finished, { id: first + 5, params: { 'train.lr': 0.3 }, metric: 99 }];
      expect(proposeRound(s, 'max', noisy, first, 2)).toEqual(round);
      finished.push(...round.map((t) => ({ id: t.id, params: t.params, metric: score(t.params) })));
    }
    expect(finished.map((f) => f.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(proposeRound(s, 'max', finished, 8, 2)).toEqual([]);
  });

  it('trial configs go through the command\'s own schema', () => {
    expect(() => validateTrialConfig('train', { train: { lr: -1 } }, 't3')).toThrow(/t3: field 'train\.lr'/);
    expect(() => validateTrialConfig('train', { train: { lrr: 1 } }, 't3')).toThrow(/t3.*lrr/);
    expect(() => validateTrialConfig('score', { model: 'grcnn-small', benchmark: ['v1'] }, 't')).toThrow(/unknown field\(s\) 'benchmark'/);
    expect(() => validateTrialConfig('finetune', { blocks: ['layer1'] }, 't')).toThrow(/field 'from'/);
    expect(() => validateTrialConfig('convrnn-search', { trials: 2, train: { steps: 3, stpes: 1 } }, 't')).toThrow(/'train\.stpes'/);
    validateTrialConfig('cotrain', {}, 't');
  });

  it('queue URLs', () => {
    const t = parseQueueUrl('redis://u:p%40ss@10.0.0.2:6390/3?queue=paper1');
    expect(t.connection).toMatchObject({ host: '10.0.0.2', port: 6390, db: 3, username: 'u', password: 'p@ss' });
    expect(t.queue).toBe('paper1');
    expect(parseQueueUrl('redis://h').connection.port).toBe(6379);
    expect(() => parseQueueUrl('http://h:1')).toThrow(/--queue http:\/\/h:1: expected a redis:\/\//);
    expect(() => parseQueueUrl('redis://h/x')).toThrow(/database 'x'/);
    expect(() => parseQueueUrl('redis://h/0?qeue=a')).toThrow(/unknown parameter\(s\) qeue/);
  });
});
