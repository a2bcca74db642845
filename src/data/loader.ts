/**
 * Seeded, resumable batching with background prefetch.
 *
 * Epoch e visits the dataset in the order `permutation(seed, e)`; `position` counts the entries of that order
 * already consumed, so a checkpoint that stores `loader.position` resumes on exactly the batches an
 * uninterrupted run would have produced. Augmentations get a stream keyed by (seed, epoch, dataset index) and
 * batch transforms one keyed by (seed, epoch, batch start), so they replay identically too.
 *
 * Prefetch: up to `prefetch` batches are built ahead, one after another, on the main thread in time slices;
 * decoding proceeds whenever the consumer awaits (e.g. a GPU readback).
 */
import { CorruptImageError, DataError, type Dataset, type Image, type ImageShape, type Sample } from './dataset.js';
import { Rng } from '../random/rng.js';

export interface LoaderPosition {
  epoch: number;
  /** Entries of this epoch's order already consumed. */
  position: number;
}

export interface Batch {
  /** [V·N, C, H, W]: view-major when the sample transform returns V views (AugMix's clean + 2 augmented). */
  images: Float32Array;
  shape: [number, number, number, number];
  views: number;
  labels: Int32Array;
  /** Soft targets [N, numClasses], set by batch transforms such as CutMix. */
  targets?: Float32Array;
  /** Dataset index of each sample. */
  indices: Int32Array;
  epoch: number;
  /** Span [start, end) of the epoch's order this batch consumed (skipped corrupt entries included). */
  start: number;
  end: number;
  lastInEpoch: boolean;
  /** Paths of corrupt images skipped while building this batch. */
  skipped: string[];
}

/** Per-sample augmentation; returning several images makes a multi-view batch. */
export type SampleTransform = (image: Image, rng: Rng, index: number) => Image | readonly Image[];
export type BatchTransform = (batch: Batch, rng: Rng) => Batch;

export interface LoaderOptions {
  batchSize: number;
  /** Default true; false visits 0..size-1 in order. */
  shuffle?: boolean;
  seed?: number;
  /** Drop a final batch smaller than batchSize. */
  dropLast?: boolean;
  /** Batches built ahead of the consumer (default 2). */
  prefetch?: number;
  transform?: SampleTransform;
  batchTransform?: BatchTransform;
  /** Skip and count undecodable images instead of failing. */
  skipCorrupt?: boolean;
  /** Resume point, e.g. a checkpoint's saved `loader.position`. */
  start?: LoaderPosition;
}

const ORDER = 0x0bde5;
const SAMPLE = 0x5a3b1;
const BATCH = 0xba7c4;
const SLICE_MS = 4;

export class DataLoader {
  private readonly opts: Required<Omit<LoaderOptions, 'transform' | 'batchTransform' | 'start'>>;
  private readonly queue: Promise<Batch>[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  private cursor: LoaderPosition;
  private delivered: LoaderPosition;
  private stash: Batch | undefined;
  private orderCache: { epoch: number; order: Int32Array } | undefined;
  private closed = false;
  private corrupt = 0;
  private readonly corruptSet = new Set<string>();

  constructor(readonly dataset: Dataset, private readonly options: LoaderOptions) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize ${batchSize}`);
    if (dataset.size === 0) throw new DataError('DataLoader: empty dataset');
    this.opts = {
      batchSize,
      shuffle: options.shuffle ?? true,
      seed: options.seed ?? 0,
      dropLast: options.dropLast ?? false,
      prefetch: Math.max(1, options.prefetch ?? 2),
      skipCorrupt: options.skipCorrupt ?? false,
    };
    if (this.opts.dropLast && dataset.size < batchSize) {
      throw new DataError(`DataLoader: dropLast with ${dataset.size} samples < batchSize ${batchSize} gives no batches`);
    }
    const start = options.start ?? { epoch: 0, position: 0 };
    if (!(Number.isInteger(start.epoch) && start.epoch >= 0 && Number.isInteger(start.position)
      && start.position >= 0 && start.position <= dataset.size)) {
      throw new RangeError(`DataLoader: bad start {epoch: ${start.epoch}, position: ${start.position}}`);
    }
    this.cursor = this.normalise(start);
    this.delivered = this.cursor;
  }

  /** Where the next delivered batch starts; save it to resume exactly. */
  get position(): LoaderPosition { return { ...this.delivered }; }

  /** Corrupt images skipped in the batches delivered so far (each occurrence). */
  get corruptCount(): number { return this.corrupt; }

  get corruptPaths(): ReadonlySet<string> { return this.corruptSet; }

  /** Batches per epoch, ignoring skipped images. */
  get batchesPerEpoch(): number {
    const { size } = this.dataset;
    const { batchSize, dropLast } = this.opts;
    return dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
  }

  /** The dataset order of `epoch`. */
  order(epoch: number): Int32Array {
    if (this.orderCache?.epoch !== epoch) {
      const n = this.dataset.size;
      const order = this.opts.shuffle ? Rng.of(this.opts.seed, epoch, 0).fork(ORDER).permutation(n)
        : Int32Array.from({ length: n }, (_, i) => i);
      this.orderCache = { epoch, order };
    }
    return this.orderCache.order;
  }

  /** The next batch, crossing epoch boundaries (see `lastInEpoch`). */
  async next(): Promise<Batch> {
    const b = await this.take();
    this.deliver(b);
    return b;
  }

  /** The remaining batches of the current epoch. */
  async *batches(): AsyncGenerator<Batch> {
    const epoch = this.delivered.epoch;
    for (;;) {
      const b = await this.take();
      // A batch of a later epoch shows up only when dropLast discarded a tail that corrupt files left short.
      if (b.epoch !== epoch) { this.stash = b; return; }
      this.deliver(b);
      yield b;
      if (b.lastInEpoch) return;
    }
  }

  /** Stops prefetching; resolves once the batch being built has stopped. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.stash = undefined;
    await this.tail.catch(() => undefined);
  }

  private take(): Promise<Batch> {
    if (this.closed) return Promise.reject(new DataError('DataLoader: closed'));
    if (this.stash) {
      const b = this.stash;
      this.stash = undefined;
      return Promise.resolve(b);
    }
    this.fill();
    const p = this.queue.shift() as Promise<Batch>;
    this.fill();
    return p;
  }

  private deliver(b: Batch): void {
    this.delivered = this.normalise({ epoch: b.epoch, position: b.end });
    this.corrupt += b.skipped.length;
    for (const p of b.skipped) this.corruptSet.add(p);
  }

  private fill(): void {
    while (this.queue.length < this.opts.prefetch) {
      const p = this.tail.then(() => this.build());
      // Failures surface to whoever takes this batch; later batches in the chain fail with it.
      p.catch(() => undefined);
      this.tail = p;
      this.queue.push(p);
    }
  }

  /** Moves past an epoch end, or past a tail too short for dropLast. */
  private normalise(pos: LoaderPosition): LoaderPosition {
    const rest = this.dataset.size - pos.position;
    return rest === 0 || (this.opts.dropLast && rest < this.opts.batchSize) ? { epoch: pos.epoch + 1, position: 0 } : pos;
  }

  private async build(): Promise<Batch> {
    let barren = 0;
    for (;;) {
      const { epoch, position: start } = this.cursor;
      const order = this.order(epoch);
      const views: (readonly Image[])[] = [];
      const labels: number[] = [];
      const indices: number[] = [];
      const skipped: string[] = [];
      let pos = start;
      let slice = performance.now();
      while (views.length < this.opts.batchSize && pos < order.length) {
        if (performance.now() - slice > SLICE_MS) {
          await new Promise((r) => setImmediate(r));
          slice = performance.now();
        }
        if (this.closed) throw new DataError('DataLoader: closed');
        const index = order[pos++];
        let sample: Sample;
        try {
          sample = this.dataset.get(index);
        } catch (e) {
          if (this.opts.skipCorrupt && e instanceof CorruptImageError) { skipped.push(e.path); continue; }
          throw e;
        }
        const t = this.options.transform;
        const out = t ? t(sample, Rng.of(this.opts.seed, epoch, index).fork(SAMPLE), index) : sample;
        views.push(isImageList(out) ? out : [out]);
        labels.push(sample.label);
        indices.push(index);
      }
      const next = this.normalise({ epoch, position: pos });
      this.cursor = next;
      if (views.length === 0 || (this.opts.dropLast && views.length < this.opts.batchSize)) {
        barren = views.length === 0 ? barren + pos - start : 0;
        if (barren >= order.length) throw new DataError(`DataLoader: every image is corrupt (epoch ${epoch})`);
        continue;
      }
      let batch = this.collate(views, labels, indices, epoch, start, pos, next.epoch !== epoch, skipped);
      if (this.options.batchTransform) {
        batch = this.options.batchTransform(batch, Rng.of(this.opts.seed, epoch, start).fork(BATCH));
      }
      return batch;
    }
  }

  private collate(views: (readonly Image[])[], labelList: number[], indices: number[], epoch: number,
    start: number, end: number, lastInEpoch: boolean, skipped: string[]): Batch {
    const n = views.length;
    const v = views[0].length;
    const shape = views[0][0].shape;
    const per = shape[0] * shape[1] * shape[2];
    const images = new Float32Array(v * n * per);
    const labels = Int32Array.from(labelList);
    for (let i = 0; i < n; i++) {
      if (views[i].length !== v) {
        throw new DataError(`DataLoader: item ${indices[i]} gave ${views[i].length} views, item ${indices[0]} gave ${v}`);
      }
      for (let k = 0; k < v; k++) {
        const img = views[i][k];
        if (!sameShape(img.shape, shape) || img.data.length !== per) {
          throw new DataError(`DataLoader: item ${indices[i]} has shape [${img.shape.join(', ')}], `
            + `item ${indices[0]} has [${shape.join(', ')}]; add a resize/crop transform`);
        }
        images.set(img.data, (k * n + i) * per);
      }
    }
    return {
      images, shape: [v * n, shape[0], shape[1], shape[2]], views: v, labels, indices: Int32Array.from(indices),
      epoch, start, end, lastInEpoch, skipped,
    };
  }
}

function isImageList(x: Image | readonly Image[]): x is readonly Image[] {
  return Array.isArray(x);
}

function sameShape(a: ImageShape, b: ImageShape): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}
