import { describe, expect, it } from 'vitest';
import { cutmixBatch } from '../../src/data/cutmix.js';
import { CorruptImageError, DataError, type Dataset, type Image, type Sample } from '../../src/data/dataset.js';
import { DataLoader, type Batch, type LoaderOptions } from '../../src/data/loader.js';
import type { Rng } from '../../src/random/rng.js';

/** Item i is a 1×2×3 image filled with i; `corrupt` items throw as an undecodable file would. */
class Counting implements Dataset {
  readonly numClasses = 3;
  readonly classNames = ['a', 'b', 'c'];
  gets = 0;
  constructor(readonly size: number, private readonly corrupt: ReadonlySet<number> = new Set()) {}
  get(i: number): Sample {
    this.gets++;
    if (this.corrupt.has(i)) throw new CorruptImageError(`mem/${i}.png`, 'bad');
    return { data: new Float32Array(6).fill(i), shape: [1, 2, 3], label: i % 3 };
  }
}

/** Adds a per-sample random value, so batches also record the augmentation stream. */
const jitter = (img: Image, rng: Rng): Image => ({ data: img.data.map((v) => v + rng.uniform()), shape: img.shape });

const flat = (b: Batch) =>
  ({ epoch: b.epoch, indices: Array.from(b.indices), images: Array.from(b.images), last: b.lastInEpoch });

async function take(loader: DataLoader, n: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for (let i = 0; i < n; i++) out.push(await loader.next());
  return out;
}

describe('DataLoader', () => {
  it('batches in order without shuffle, with a short last batch, and crosses epochs', async () => {
    const loader = new DataLoader(new Counting(7), { batchSize: 3, shuffle: false });
    expect(loader.batchesPerEpoch).toBe(3);
    const bs = await take(loader, 4);
    expect(bs.map((b) => Array.from(b.indices))).toEqual([[0, 1, 2], [3, 4, 5], [6], [0, 1, 2]]);
    expect(bs.map((b) => b.lastInEpoch)).toEqual([false, false, true, false]);
    expect(bs[2].shape).toEqual([1, 1, 2, 3]);
    expect(Array.from(bs[1].labels)).toEqual([0, 1, 2]);
    expect(Array.from(bs[1].images.subarray(6, 12))).toEqual(new Array(6).fill(4));
    expect(bs[3].epoch).toBe(1);
    expect(loader.position).toEqual({ epoch: 1, position: 3 });
    await loader.close();
  });

  it('drops the short tail with dropLast', async () => {
    const loader = new DataLoader(new Counting(7), { batchSize: 3, shuffle: false, dropLast: true });
    expect(loader.batchesPerEpoch).toBe(2);
    const bs = await take(loader, 3);
    expect(bs.map((b) => [b.epoch, b.start, b.lastInEpoch])).toEqual([[0, 0, false], [0, 3, true], [1, 0, false]]);
    await loader.close();
  });

  it('shuffles each epoch by (seed, epoch) only', async () => {
    const ds = new Counting(17);
    const a = new DataLoader(ds, { batchSize: 17, seed: 3 });
    const b = new DataLoader(ds, { batchSize: 17, seed: 3 });
    const c = new DataLoader(ds, { batchSize: 17, seed: 4 });
    const [a0, a1] = await take(a, 2);
    const [b0] = await take(b, 1);
    const [c0] = await take(c, 1);
    expect(Array.from(a0.indices).sort((x, y) => x - y)).toEqual(Array.from({ length: 17 }, (_, i) => i));
    expect(Array.from(a0.indices)).toEqual(Array.from(b0.indices));
    expect(Array.from(a0.indices)).not.toEqual(Array.from(a1.indices));
    expect(Array.from(a0.indices)).not.toEqual(Array.from(c0.indices));
    expect(Array.from(a.order(5))).toEqual(Array.from(b.order(5)));
    await Promise.all([a.close(), b.close(), c.close()]);
    const aug = new DataLoader(ds, { batchSize: 17, shuffle: false, transform: jitter });
    const [e0, e1] = await take(aug, 2);
    expect(e0.images[6 * 5]).not.toBe(e1.images[6 * 5]);
    expect(Math.floor(e0.images[6 * 5])).toBe(5);
    await aug.close();
  });

  for (const opts of [{ dropLast: false }, { dropLast: true }] as Partial<LoaderOptions>[]) {
    it(`resumes from a saved position exactly (dropLast ${opts.dropLast})`, async () => {
      const ds = new Counting(17, new Set([4]));
      const base: LoaderOptions = { batchSize: 5, seed: 9, transform: jitter, skipCorrupt: true, prefetch: 3, ...opts };
      const full = new DataLoader(ds, base);
      const want = (await take(full, 12)).map(flat);
      await full.close();
      for (const cut of [1, 3, 4, 7]) {
        const first = new DataLoader(ds, base);
        const got = (await take(first, cut)).map(flat);
        const saved = first.position;
        await first.close();
        const resumed = new DataLoader(ds, { ...base, start: saved });
        got.push(...(await take(resumed, 12 - cut)).map(flat));
        await resumed.close();
        expect(got, `cut after ${cut}`).toEqual(want);
      }
    });
  }

  it('decodes ahead of the consumer, up to `prefetch` batches, and stops on close', async () => {
    const ds = new Counting(100);
    const loader = new DataLoader(ds, { batchSize: 4, prefetch: 3 });
    await loader.next();
    await new Promise((r) => setTimeout(r, 30));
    expect(ds.gets).toBe(4 * 4);
    await loader.close();
    const after = ds.gets;
    await expect(loader.next()).rejects.toThrow(/closed/);
    await new Promise((r) => setTimeout(r, 10));
    expect(ds.gets).toBe(after);
  });

  it('fails on a corrupt image naming its path, or skips and counts it', async () => {
    const ds = new Counting(10, new Set([2, 7]));
    const strict = new DataLoader(ds, { batchSize: 4, shuffle: false });
    await expect(strict.next()).rejects.toThrow('mem/2.png');
    await strict.close();
    const lenient = new DataLoader(ds, { batchSize: 4, shuffle: false, skipCorrupt: true });
    const bs = await take(lenient, 3);
    expect(bs.map((b) => Array.from(b.indices))).toEqual([[0, 1, 3, 4], [5, 6, 8, 9], [0, 1, 3, 4]]);
    expect(bs.map((b) => [b.start, b.end])).toEqual([[0, 5], [5, 10], [0, 5]]);
    expect(lenient.corruptCount).toBe(3);
    expect([...lenient.corruptPaths].sort()).toEqual(['mem/2.png', 'mem/7.png']);
    await lenient.close();
    const hopeless = new DataLoader(new Counting(3, new Set([0, 1, 2])), { batchSize: 2, skipCorrupt: true });
    await expect(hopeless.next()).rejects.toThrow(/every image is corrupt/);
    await hopeless.close();
  });

  it('lays out multi-view batches view-major and applies batch transforms', async () => {
    const twoViews = (img: Image): Image[] => [img, { data: img.data.map((v) => -v), shape: img.shape }];
    const loader = new DataLoader(new Counting(5), {
      batchSize: 2, shuffle: false, transform: twoViews, batchTransform: (b) => ({ ...b, targets: new Float32Array([7]) }),
    });
    const b = await loader.next();
    expect(b.views).toBe(2);
    expect(b.shape).toEqual([4, 1, 2, 3]);
    expect([0, 6, 12, 18].map((o) => b.images[o])).toEqual([0, 1, -0, -1]);
    expect(b.targets).toEqual(new Float32Array([7]));
    await loader.close();
    const mixed = new DataLoader(new Counting(6), { batchSize: 3, seed: 1, batchTransform: cutmixBatch(3) });
    const m = await mixed.next();
    expect(m.targets?.length).toBe(9);
    await mixed.close();
  });

  it('iterates one epoch with batches() and rejects mismatched shapes', async () => {
    const loader = new DataLoader(new Counting(7), { batchSize: 3 });
    const seen: number[] = [];
    for await (const b of loader.batches()) seen.push(...b.indices);
    expect(seen.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(loader.position).toEqual({ epoch: 1, position: 0 });
    await loader.close();
    const ragged: Dataset = {
      size: 4, numClasses: 1, classNames: ['a'], get: (i) => ({ data: new Float32Array(i + 1), shape: [1, 1, i + 1], label: 0 }),
    };
    const bad = new DataLoader(ragged, { batchSize: 4 });
    await expect(bad.next()).rejects.toThrow(DataError);
    await bad.close();
    expect(() => new DataLoader(new Counting(3), { batchSize: 0 })).toThrow(RangeError);
    expect(() => new DataLoader(new Counting(3), { batchSize: 2, start: { epoch: 0, position: 4 } })).toThrow(RangeError);
  });
});
