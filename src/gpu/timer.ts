/**
 * GPU time from timestamp queries: while enabled, every compute pass writes a begin/end timestamp pair; `read()`
 * resolves them and returns the summed pass time. Used by the benchmarks (wall time on Dawn-node includes its
 * busy-wait), absent where the adapter lacks 'timestamp-query'.
 */
const PAIRS = 512;

export class GpuTimer {
  #set: GPUQuerySet;
  #resolve: GPUBuffer;
  #used = 0;
  #pending: GPUBuffer[] = [];

  constructor(private device: GPUDevice) {
    this.#set = device.createQuerySet({ type: 'timestamp', count: PAIRS * 2 });
    this.#resolve = device.createBuffer({ size: PAIRS * 16, usage: 0x200 | 0x4 }); // QUERY_RESOLVE | COPY_SRC
  }

  /** timestampWrites for the next pass, or undefined when the set is full (flush first). */
  passWrites(): GPUComputePassTimestampWrites | undefined {
    if (this.#used >= PAIRS) return undefined;
    const i = this.#used++;
    return { querySet: this.#set, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  get full(): boolean { return this.#used >= PAIRS; }

  /** Encodes the resolve of this batch's timestamps; call before finishing the encoder. */
  resolve(encoder: GPUCommandEncoder): void {
    if (!this.#used) return;
    const bytes = this.#used * 16;
    encoder.resolveQuerySet(this.#set, 0, this.#used * 2, this.#resolve, 0);
    const out = this.device.createBuffer({ size: bytes, usage: 0x1 | 0x8 }); // MAP_READ | COPY_DST
    encoder.copyBufferToBuffer(this.#resolve, 0, out, 0, bytes);
    this.#pending.push(out);
    this.#used = 0;
  }

  /** Total GPU time (ms) of all passes resolved since the last read. */
  async read(): Promise<number> {
    return (await this.readPasses()).reduce((a, b) => a + b, 0);
  }

  /** GPU time (ms) of each pass resolved since the last read, in submission order. */
  async readPasses(): Promise<number[]> {
    const bufs = this.#pending;
    this.#pending = [];
    const out: number[] = [];
    for (const b of bufs) {
      await b.mapAsync(0x1);
      const t = new BigUint64Array(b.getMappedRange());
      for (let i = 0; i + 1 < t.length; i += 2) out.push(t[i + 1] > t[i] ? Number(t[i + 1] - t[i]) / 1e6 : 0);
      b.unmap();
      b.destroy();
    }
    return out;
  }

  destroy(): void {
    for (const b of this.#pending) b.destroy();
    this.#set.destroy();
    this.#resolve.destroy();
  }
}
