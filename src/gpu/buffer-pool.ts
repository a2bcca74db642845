/**
 * Bounded, size-bucketed pool of storage buffers.
 *
 * Buckets: 256-byte multiples up to 1 MiB, powers of two above. A buffer released while commands that use it
 * are still unsubmitted may be reused at once by later *dispatches* (they run after those commands in the same
 * encoder), but not by `queue.writeBuffer` uploads, which run before the whole pending command buffer. So a
 * released buffer is "gpu-only" until the next submit, then fully free.
 */
import { LimitError } from '../errors.js';

export const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST

export function bucketSize(bytes: number): number {
  const b = Math.max(bytes, 4);
  if (b <= 1 << 20) return Math.ceil(b / 256) * 256;
  return 2 ** Math.ceil(Math.log2(b));
}

export interface PoolStats {
  /** Bytes of buffers created on the device and not yet destroyed. */
  allocatedBytes: number;
  /** Bytes of buffers parked in the pool (free for reuse). */
  pooledBytes: number;
  /** Buffers created on the device so far. */
  created: number;
}

export class BufferPool {
  #device: GPUDevice;
  #free = new Map<number, GPUBuffer[]>();
  /** Released since the last submit: reusable by dispatches only. */
  #gpuOnly = new Map<number, GPUBuffer[]>();
  /** Buffers a captured step uses: never handed out again until unpinned. */
  #pinned = new Set<GPUBuffer>();
  /** Pinned buffers whose tensors were released; they return to the pool on unpin. */
  #pinnedReleased = new Set<GPUBuffer>();
  /** Over the pool's bounds; destroyed after the next submit (unsubmitted commands may still use them). */
  #doomed: GPUBuffer[] = [];
  #maxPooledBytes: number;
  #maxPerBucket: number;
  #stats: PoolStats = { allocatedBytes: 0, pooledBytes: 0, created: 0 };

  constructor(device: GPUDevice, private maxBufferSize: number, opts: { maxPooledBytes?: number; maxPerBucket?: number } = {}) {
    this.#device = device;
    this.#maxPooledBytes = opts.maxPooledBytes ?? 1 << 30;
    this.#maxPerBucket = opts.maxPerBucket ?? 64;
  }

  get stats(): Readonly<PoolStats> { return this.#stats; }

  /** A buffer of at least `bytes`. `forUpload`: it will be filled by queue.writeBuffer before the next submit. */
  acquire(bytes: number, forUpload: boolean, what: string): GPUBuffer {
    const size = bucketSize(bytes);
    if (size > this.maxBufferSize && bytes <= this.maxBufferSize) return this.#create(bytes, what);
    if (bytes > this.maxBufferSize) {
      throw new LimitError(`${what}: ${bytes} bytes exceeds maxBufferSize ${this.maxBufferSize}`);
    }
    const lists = forUpload ? [this.#free] : [this.#gpuOnly, this.#free];
    for (const m of lists) {
      const list = m.get(size);
      if (list?.length) {
        this.#stats.pooledBytes -= size;
        return list.pop()!;
      }
    }
    return this.#create(size, what);
  }

  #create(size: number, what: string): GPUBuffer {
    const buf = this.#device.createBuffer({ size, usage: STORAGE_USAGE, label: what });
    this.#stats.allocatedBytes += size;
    this.#stats.created++;
    return buf;
  }

  release(buf: GPUBuffer): void {
    if (this.#pinned.has(buf)) { this.#pinnedReleased.add(buf); return; }
    const size = buf.size;
    const bucket = this.#gpuOnly.get(size) ?? [];
    const parked = (this.#free.get(size)?.length ?? 0) + bucket.length;
    if (parked >= this.#maxPerBucket || this.#stats.pooledBytes + size > this.#maxPooledBytes || bucketSize(size) !== size) {
      this.#doomed.push(buf);
      return;
    }
    bucket.push(buf);
    this.#gpuOnly.set(size, bucket);
    this.#stats.pooledBytes += size;
  }

  /** Takes `bufs` out of circulation: parked ones leave the free lists, live ones will not come back on release. */
  pin(bufs: Iterable<GPUBuffer>): void {
    for (const b of bufs) {
      if (this.#pinned.has(b)) continue;
      this.#pinned.add(b);
      const doomed = this.#doomed.indexOf(b);
      if (doomed >= 0) { this.#doomed.splice(doomed, 1); this.#pinnedReleased.add(b); }
      for (const m of [this.#free, this.#gpuOnly]) {
        const list = m.get(b.size);
        const i = list?.indexOf(b) ?? -1;
        if (i >= 0) { list!.splice(i, 1); this.#stats.pooledBytes -= b.size; this.#pinnedReleased.add(b); }
      }
    }
  }

  /** Returns pinned buffers to circulation (call after the commands using them were submitted). */
  unpin(bufs: Iterable<GPUBuffer>): void {
    for (const b of bufs) {
      if (!this.#pinned.delete(b)) continue;
      if (this.#pinnedReleased.delete(b)) this.release(b);
    }
  }

  /** Called after each submit: everything released before it is now safe for uploads too. */
  onSubmit(): void {
    for (const [size, list] of this.#gpuOnly) {
      const free = this.#free.get(size) ?? [];
      free.push(...list);
      this.#free.set(size, free);
    }
    this.#gpuOnly.clear();
    for (const b of this.#doomed) this.#destroy(b);
    this.#doomed = [];
  }

  #destroy(buf: GPUBuffer): void {
    this.#stats.allocatedBytes -= buf.size;
    buf.destroy();
  }

  /** Destroys every parked buffer. Call only right after a submit. */
  trim(): void {
    this.onSubmit();
    for (const m of [this.#free, this.#gpuOnly]) {
      for (const list of m.values()) for (const b of list) { this.#stats.pooledBytes -= b.size; this.#destroy(b); }
      m.clear();
    }
  }
}
