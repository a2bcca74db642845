/**
 * Batches dispatches into one command encoder and submits rarely. Params uniforms of a batch live in one
 * arena that is uploaded with a single writeBuffer just before the submit. GPU errors of a batch are caught
 * with error scopes and rethrown, as typed errors naming the batch's kernels, at the next call.
 */
import { BufferPool } from './buffer-pool.js';
import { PipelineCache, type Overrides } from './pipeline-cache.js';
import { entryInfo } from './kernels.js';
import { packParams, type ParamValues } from './params.js';
import { DeviceLostError, GpuOutOfMemoryError, GpuValidationError, LimitError } from '../errors.js';
import type { OpenedDevice } from './device.js';
import { GpuTimer } from './timer.js';
import { CAPTURE_PARAM_BYTES, CaptureRecorder, type CapturedStep } from './capture.js';

const ARENA_BYTES = 1 << 20;
const PARAMS_STRIDE = 256; // minUniformBufferOffsetAlignment is at most 256 everywhere.
const MAX_DISPATCHES_PER_SUBMIT = 4096;

export interface Binding { buffer: GPUBuffer; offset?: number; size: number; /** for error messages */ name: string }

export interface Dispatch {
  file: string;
  entry: string;
  bindings: Record<string, Binding>;
  /** A function is evaluated now and, inside a capture, again at every replay (values that change per step). */
  params?: ParamValues | (() => ParamValues);
  /** Workgroup counts [x, y, z]. */
  grid: [number, number?, number?];
  overrides?: Overrides;
}

export interface RuntimeCounters { dispatches: number; submits: number; readbacks: number }

export class GpuRuntime {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly limits: OpenedDevice['limits'];
  readonly adapterName: string;
  readonly features: Set<string>;
  readonly counters: RuntimeCounters = { dispatches: 0, submits: 0, readbacks: 0 };
  #opened: OpenedDevice;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #arena: GPUBuffer;
  #arenaCpu = new ArrayBuffer(ARENA_BYTES);
  #arenaView = new DataView(this.#arenaCpu);
  #arenaUsed = 0;
  #batchKernels = new Set<string>();
  #batchDispatches = 0;
  #error: Error | null = null;
  #lost: string | null = null;
  #closed = false;
  /** Called after each submit (the engine hooks deferred releases here). */
  onSubmit: (() => void)[] = [];
  #capture: CaptureRecorder | null = null;
  /** Set by enableTimer(): per-pass GPU timestamps. */
  #timer: GpuTimer | null = null;
  /** Set by startProfile(): every dispatch gets a pass of its own, named here in order. */
  #profile: string[] | null = null;
  /** Recent GPU ms per dispatch (from completed waits), for sleeping before a wait instead of letting Dawn spin. */
  #msPerDispatch = 0;
  /** Dispatch count at the end of the last completed wait. */
  #dispatchesAtWait = 0;
  /** 'sleep': sleep for most of the expected GPU time before awaiting (frees the core Dawn's poll would spin on). */
  waitStrategy: 'spin' | 'sleep' = 'sleep';

  constructor(opened: OpenedDevice) {
    this.#opened = opened;
    this.device = opened.device;
    this.limits = opened.limits;
    this.adapterName = opened.adapterName;
    this.features = opened.features;
    this.pool = new BufferPool(this.device, opened.limits.maxBufferSize);
    this.pipelines = new PipelineCache(this.device);
    this.#arena = this.device.createBuffer({ size: ARENA_BYTES, usage: 0x40 | 0x8, label: 'params-arena' });
    this.device.lost.then((info) => {
      if (!this.#closed) this.#lost = `${info.reason}: ${info.message}`;
    });
  }

  get closed(): boolean { return this.#closed; }

  /** Throws the pending typed error, if any: device lost, or a GPU error caught in an earlier batch. */
  check(): void {
    if (this.#lost) throw new DeviceLostError(`WebGPU device lost (${this.#lost}); results since the last good step are not trusted`);
    if (this.#closed) throw new DeviceLostError('engine is closed');
    if (this.#error) { const e = this.#error; this.#error = null; throw e; }
  }

  dispatch(d: Dispatch): void {
    this.check();
    const info = entryInfo(d.file, d.entry);
    const name = `${d.file}:${d.entry}`;
    const [gx, gy = 1, gz = 1] = d.grid;
    if (gx === 0 || gy === 0 || gz === 0) return;
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    if (gx > maxDim || gy > maxDim || gz > maxDim) {
      throw new LimitError(`${name}: dispatch grid [${gx}, ${gy}, ${gz}] exceeds maxComputeWorkgroupsPerDimension ${maxDim}`);
    }
    const cap = this.#capture;
    if (info.params && !cap && this.#arenaUsed + PARAMS_STRIDE > ARENA_BYTES) this.flush();
    if (cap && cap.used + PARAMS_STRIDE > CAPTURE_PARAM_BYTES) {
      throw new LimitError(`capture: more than ${CAPTURE_PARAM_BYTES / PARAMS_STRIDE} dispatches with params in one captured step`);
    }
    if (this.#batchDispatches >= MAX_DISPATCHES_PER_SUBMIT) this.flush();
    const entries: GPUBindGroupEntry[] = [];
    for (const b of info.bindings) {
      if (b.kind === 'uniform') {
        // A captured dispatch keeps its params in the capture's own buffer, so replays see them unchanged.
        const [buf, view, at] = cap ? [cap.params, cap.view, cap.used] : [this.#arena, this.#arenaView, this.#arenaUsed];
        const live = typeof d.params === 'function' ? d.params : null;
        packParams(info, live ? live() : (d.params as ParamValues | undefined) ?? {}, view, at);
        if (cap && live) cap.live.push({ info, at, values: live });
        entries.push({ binding: b.binding, resource: { buffer: buf, offset: at, size: info.params!.size } });
        if (cap) cap.used += PARAMS_STRIDE; else this.#arenaUsed += PARAMS_STRIDE;
        continue;
      }
      const t = d.bindings[b.name];
      if (!t) throw new GpuValidationError(`${name}: no buffer given for binding ${b.name}`);
      const size = Math.max(4, t.size);
      if (size > this.limits.maxStorageBufferBindingSize) {
        throw new LimitError(`${name}: tensor ${t.name} (binding ${b.name}) is ${size} bytes, over maxStorageBufferBindingSize ${this.limits.maxStorageBufferBindingSize}`);
      }
      entries.push({ binding: b.binding, resource: { buffer: t.buffer, offset: t.offset ?? 0, size } });
    }
    for (const k of Object.keys(d.bindings)) {
      if (!info.bindings.some((b) => b.name === k)) throw new GpuValidationError(`${name}: the entry point uses no binding ${k}`);
    }
    const pass = this.#beginPass();
    const pipeline = this.pipelines.get(d.file, d.entry, d.overrides);
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries, label: name });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(gx, gy, gz);
    if (this.#profile) { this.#profile.push(name); pass.end(); this.#pass = null; }
    if (cap) {
      cap.dispatches.push({ pipeline, bindGroup, grid: [gx, gy, gz], name });
      for (const e of entries) cap.buffers.add((e.resource as GPUBufferBinding).buffer);
    }
    this.#batchKernels.add(name);
    this.#batchDispatches++;
    this.counters.dispatches++;
  }

  #beginEncoder(): GPUCommandEncoder {
    if (!this.#encoder) {
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
      this.#encoder = this.device.createCommandEncoder();
    }
    return this.#encoder;
  }

  #beginPass(): GPUComputePassEncoder {
    // A full query set is resolved before the next pass (flush ends an open one), so every pass gets its timestamps.
    if (this.#timer?.full) this.flush();
    if (!this.#pass) {
      const enc = this.#beginEncoder();
      this.#pass = enc.beginComputePass(this.#timer ? { timestampWrites: this.#timer.passWrites() } : {});
    }
    return this.#pass;
  }

  /** Starts recording GPU time per pass (needs the 'timestamp-query' feature). */
  enableTimer(): boolean {
    if (!this.features.has('timestamp-query')) return false;
    this.flush();
    this.#timer ??= new GpuTimer(this.device);
    return true;
  }

  /** GPU milliseconds of the passes submitted since the last call (0 without a timer). */
  async gpuTime(): Promise<number> {
    if (!this.#timer) return 0;
    await this.sync();
    return this.#timer.read();
  }

  /**
   * Starts a per-kernel GPU profile: each dispatch runs in a pass of its own with timestamps (slower than normal
   * batching, so it measures kernels, not the step). `stopProfile()` returns GPU ms and counts per kernel.
   */
  startProfile(): boolean {
    if (!this.enableTimer() || this.#capture) return false;
    this.#profile = [];
    return true;
  }

  async stopProfile(): Promise<Map<string, { ms: number; count: number }>> {
    const names = this.#profile ?? [];
    this.#profile = null;
    if (!this.#timer) return new Map();
    await this.sync();
    const passes = await this.#timer.readPasses();
    if (passes.length < names.length) throw new GpuValidationError(`profile: ${passes.length} timed passes for ${names.length} dispatches`);
    const out = new Map<string, { ms: number; count: number }>();
    // Passes opened before the profile started come first; the profile's are the last names.length.
    const mine = passes.slice(passes.length - names.length);
    names.forEach((n, i) => {
      const e = out.get(n) ?? { ms: 0, count: 0 };
      e.ms += mine[i];
      e.count++;
      out.set(n, e);
    });
    return out;
  }

  /** Encodes a buffer copy in order with the dispatches. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.check();
    if (this.#capture) throw new GpuValidationError('capture: buffer copies and readbacks cannot be captured; end the capture first');
    this.#pass?.end();
    this.#pass = null;
    this.#beginEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Submits everything encoded so far. Cheap when nothing is pending. */
  flush(): void {
    if (!this.#encoder) return;
    this.#pass?.end();
    this.#pass = null;
    this.#timer?.resolve(this.#encoder);
    const cmd = this.#encoder.finish();
    this.#encoder = null;
    if (this.#arenaUsed > 0) this.device.queue.writeBuffer(this.#arena, 0, this.#arenaCpu, 0, this.#arenaUsed);
    const cap = this.#capture;
    if (cap && cap.used > 0) this.device.queue.writeBuffer(cap.params, 0, cap.cpu, 0, cap.used);
    this.device.queue.submit([cmd]);
    this.counters.submits++;
    const kernels = [...this.#batchKernels].join(', ');
    this.#batchKernels.clear();
    this.#batchDispatches = 0;
    this.#arenaUsed = 0;
    this.#popScopes(kernels);
    this.pool.onSubmit();
    for (const f of this.onSubmit) f();
  }

  #popScopes(kernels: string): void {
    const on = (p: Promise<GPUError | null>, make: (m: string) => Error) => p.then((e) => {
      if (e && !this.#error) this.#error = make(e.message);
    }, () => {});
    on(this.device.popErrorScope(), (m) => new GpuValidationError(`GPU validation error in a batch running [${kernels}]: ${m}`));
    on(this.device.popErrorScope(), (m) => new GpuOutOfMemoryError(`GPU out of memory in a batch running [${kernels}]: ${m}`));
  }

  /** Copies `bytes` of `src` back to the CPU. One wait on the GPU. */
  async read(src: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    this.check();
    const size = Math.ceil(Math.max(bytes, 4) / 4) * 4;
    const staging = this.device.createBuffer({ size, usage: 0x1 | 0x8, label: 'readback' });
    this.copy(src, offset, staging, 0, size);
    this.flush();
    this.counters.readbacks++;
    try {
      await this.#wait(() => staging.mapAsync(0x1));
    } catch (e) {
      this.check();
      throw new DeviceLostError(`readback failed: ${(e as Error).message}`);
    }
    const out = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    staging.destroy();
    // Error scopes of the batch resolve before the map; surface them now rather than return wrong data.
    await new Promise((r) => setTimeout(r, 0));
    this.check();
    return out;
  }

  /** Waits until all submitted work is done (and surfaces its errors). */
  async sync(): Promise<void> {
    this.flush();
    await this.#wait(() => this.device.queue.onSubmittedWorkDone());
    await new Promise((r) => setTimeout(r, 0));
    this.check();
  }

  /** Starts recording dispatches (see capture.ts). Pending eager work is submitted first. */
  beginCapture(): void {
    this.check();
    if (this.#capture) throw new GpuValidationError('capture: already capturing');
    if (this.#profile) throw new GpuValidationError('capture: a profile is running; stop it first');
    this.flush();
    this.#capture = new CaptureRecorder(this.device);
  }

  /** Stops recording; the captured step has already run once. */
  endCapture(): CapturedStep {
    const cap = this.#capture;
    if (!cap) throw new GpuValidationError('capture: endCapture() without beginCapture()');
    // Pin before the flush: the submit would otherwise destroy captured buffers the pool had marked as surplus.
    this.pool.pin(cap.buffers);
    this.flush();
    this.#capture = null;
    let live = true;
    return {
      dispatchCount: cap.dispatches.length,
      replay: () => {
        if (!live) throw new GpuValidationError('capture: replay() after dispose()');
        this.check();
        if (cap.live.length) {
          // The previous replay must be submitted before its params are overwritten (writeBuffer is queue-ordered).
          this.flush();
          for (const l of cap.live) packParams(l.info, l.values(), cap.view, l.at);
          this.device.queue.writeBuffer(cap.params, 0, cap.cpu, 0, cap.used);
        }
        for (const c of cap.dispatches) {
          if (this.#batchDispatches >= MAX_DISPATCHES_PER_SUBMIT) this.flush();
          const pass = this.#beginPass();
          pass.setPipeline(c.pipeline);
          pass.setBindGroup(0, c.bindGroup);
          pass.dispatchWorkgroups(...c.grid);
          this.#batchKernels.add(c.name);
          this.#batchDispatches++;
          this.counters.dispatches++;
        }
      },
      dispose: () => {
        if (!live) return;
        live = false;
        if (this.#closed) return;
        this.flush();
        this.pool.unpin(cap.buffers);
        cap.params.destroy();
      },
    };
  }

  get capturing(): boolean { return this.#capture !== null; }

  /**
   * Dawn-node polls with setImmediate while a GPU promise is pending, keeping a core busy that llvmpipe could use.
   * So first sleep for ~80 % of the time recent waits took, then create the promise.
   */
  async #wait(start: () => Promise<unknown>): Promise<void> {
    const t0 = performance.now();
    // Work since the last wait, priced at the recent rate: a loop of similar steps sleeps ~its GPU time, a wait
    // with nothing pending does not sleep at all.
    const pending = this.counters.dispatches - this.#dispatchesAtWait;
    const expect = 0.8 * pending * this.#msPerDispatch;
    const slept = this.waitStrategy === 'sleep' && expect > 2;
    if (slept) await new Promise((r) => setTimeout(r, expect));
    const t1 = performance.now();
    await start();
    const t2 = performance.now();
    if (slept && t2 - t1 < 1) {
      // Done by the time we woke: the estimate was stale (long kernels before, short ones now). Forget it; the
      // next wait spins once and measures afresh, so a run never keeps oversleeping.
      this.#msPerDispatch = 0;
    } else if (pending > 0) {
      const rate = (t2 - t0) / pending;
      this.#msPerDispatch = this.#msPerDispatch ? 0.7 * this.#msPerDispatch + 0.3 * rate : rate;
    }
    this.#dispatchesAtWait = this.counters.dispatches;
  }

  upload(buf: GPUBuffer, offset: number, data: ArrayBufferView): void {
    this.check();
    if (this.#capture) {
      throw new GpuValidationError('capture: uploads cannot be captured (a replay would not repeat them); create input tensors '
        + 'before beginCapture() and write() new data into them between replays');
    }
    this.device.queue.writeBuffer(buf, offset, data.buffer, data.byteOffset, data.byteLength);
  }

  close(): void {
    if (this.#closed) return;
    try { this.flush(); } catch { /* closing anyway */ }
    this.#closed = true;
    this.pool.trim();
    this.#timer?.destroy();
    this.#arena.destroy();
    this.device.destroy();
    this.#opened.release();
  }
}
