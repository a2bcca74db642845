/**
 * The engine: one WebGPU device with its buffer pool, pipeline cache and dispatch batching, plus the tensor
 * bookkeeping (scopes, live counters) and the autograd tape. Nothing here is global: create one with
 * `Engine.create()` and `close()` it, or Node keeps Dawn alive and never exits.
 */
import { openDevice, type DeviceOptions } from './gpu/device.js';
import { GpuRuntime } from './gpu/runtime.js';
import type { CapturedStep } from './gpu/capture.js';
import { LimitError, ShapeError } from './errors.js';
import { Storage, Tensor, type DType } from './tensor/tensor.js';
import { checkShape, fmt, numel, type Shape } from './tensor/shape.js';
import { Tape, flowsGrad, type GradFn, type SaveSpec } from './autograd/tape.js';
import { runBackward } from './autograd/backward.js';
import { fill } from './ops/fill.js';

export interface EngineStats {
  liveTensors: number;
  liveBytes: number;
  allocatedBytes: number;
  pooledBytes: number;
  dispatches: number;
  submits: number;
  readbacks: number;
  tapeEntries: number;
}

export class Engine {
  readonly runtime: GpuRuntime;
  readonly tape = new Tape();
  #scopes: Set<Tensor>[] = [];
  #live = 0;
  #liveBytes = 0;
  #gradEnabled = true;
  /** Storage released while a scope's result may still reference it is fine: storages are refcounted. */

  private constructor(runtime: GpuRuntime) {
    this.runtime = runtime;
  }

  static async create(opts: DeviceOptions = {}): Promise<Engine> {
    return new Engine(new GpuRuntime(await openDevice(opts)));
  }

  get adapterName(): string { return this.runtime.adapterName; }
  /** The device's features and limits, as opened. */
  get features(): ReadonlySet<string> { return this.runtime.features; }
  get limits(): GpuRuntime['limits'] { return this.runtime.limits; }
  get gradEnabled(): boolean { return this.#gradEnabled; }

  stats(): EngineStats {
    const p = this.runtime.pool.stats;
    const c = this.runtime.counters;
    return { liveTensors: this.#live, liveBytes: this.#liveBytes, allocatedBytes: p.allocatedBytes, pooledBytes: p.pooledBytes,
      dispatches: c.dispatches, submits: c.submits, readbacks: c.readbacks, tapeEntries: this.tape.entries.length };
  }

  // ---- allocation -------------------------------------------------------------------------------------------

  /** An uninitialised tensor for an op's output. */
  empty(shape: Shape, dtype: DType = 'f32', what = 'tensor'): Tensor {
    return this.#alloc(shape, dtype, what, false);
  }

  #alloc(shape: Shape, dtype: DType, what: string, forUpload: boolean): Tensor {
    checkShape(shape, what);
    const bytes = numel(shape) * 4;
    const maxBind = this.runtime.limits.maxStorageBufferBindingSize;
    if (bytes > maxBind) {
      throw new LimitError(`${what}: tensor ${dtype}${fmt(shape)} needs ${bytes} bytes, over maxStorageBufferBindingSize ${maxBind}`);
    }
    const buf = this.runtime.pool.acquire(bytes, forUpload, `${what} ${fmt(shape)}`);
    this.#liveBytes += bytes;
    return new Tensor(this, new Storage(buf, bytes), shape, dtype);
  }

  /** A tensor from CPU data. */
  tensor(data: ArrayLike<number>, shape: Shape = [data.length], dtype: DType = data instanceof Int32Array ? 'i32' : 'f32',
    name?: string): Tensor {
    if (numel(shape) !== data.length) {
      throw new ShapeError(`tensor${name ? ` ${name}` : ''}: ${data.length} values do not fill shape ${fmt(shape)}`);
    }
    const t = this.#alloc(shape, dtype, name ?? 'tensor', true);
    t.name = name;
    this.#upload(t, data);
    return t;
  }

  #upload(t: Tensor, data: ArrayLike<number>): void {
    const arr = t.dtype === 'i32'
      ? (data instanceof Int32Array ? data : Int32Array.from(data))
      : (data instanceof Float32Array ? data : Float32Array.from(data));
    if (arr.length) this.runtime.upload(t.storage.buffer, 0, arr);
  }

  /** Overwrites a tensor from the CPU. Flushes first so the write lands after work already issued. */
  writeTensor(t: Tensor, data: ArrayLike<number>): void {
    if (data.length !== t.size) throw new ShapeError(`write ${t.describe()}: got ${data.length} values`);
    this.runtime.flush();
    this.#upload(t, data);
  }

  zeros(shape: Shape, dtype: DType = 'f32'): Tensor { return this.full(shape, 0, dtype); }
  ones(shape: Shape, dtype: DType = 'f32'): Tensor { return this.full(shape, 1, dtype); }
  full(shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
    const t = this.empty(shape, dtype, 'full');
    fill(t, value);
    return t;
  }

  /** A trainable leaf tensor (kept out of scopes). */
  parameter(data: ArrayLike<number>, shape: Shape, name?: string): Tensor {
    const t = this.tensor(data, shape, 'f32', name).keep();
    t.requiresGrad = true;
    return t;
  }

  // ---- lifetime ---------------------------------------------------------------------------------------------

  /** @internal called by the Tensor constructor. */
  track(t: Tensor): void {
    this.#live++;
    this.#scopes.at(-1)?.add(t);
  }

  /** @internal */
  untrack(t: Tensor): void {
    for (const s of this.#scopes) s.delete(t);
  }

  /** @internal called by Tensor.dispose(). */
  release(t: Tensor, st: Storage): void {
    this.#live--;
    this.untrack(t);
    if (--st.refs === 0) {
      this.#liveBytes -= st.bytes;
      if (!this.runtime.closed) this.runtime.pool.release(st.buffer);
    }
  }

  /**
   * Runs `fn` and disposes every tensor it created, except those it returns (which move to the enclosing
   * scope) and those it `keep()`s.
   */
  scope<T>(fn: () => T): T {
    this.#scopes.push(new Set());
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.#endScope(undefined);
      throw e;
    }
    if (result instanceof Promise) throw new Error('scope(): use scopeAsync for async functions');
    this.#endScope(result);
    return result;
  }

  async scopeAsync<T>(fn: () => Promise<T>): Promise<T> {
    this.#scopes.push(new Set());
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      this.#endScope(undefined);
      throw e;
    }
    this.#endScope(result);
    return result;
  }

  #endScope(result: unknown): void {
    const set = this.#scopes.pop()!;
    const keep = new Set<Tensor>();
    collectTensors(result, keep);
    const parent = this.#scopes.at(-1);
    for (const t of set) {
      if (keep.has(t)) parent?.add(t);
      else t.dispose();
    }
  }

  // ---- autograd ---------------------------------------------------------------------------------------------

  noGrad<T>(fn: () => T): T {
    const prev = this.#gradEnabled;
    this.#gradEnabled = false;
    try { return fn(); } finally { this.#gradEnabled = prev; }
  }

  /**
   * Records an op for backward when grad is enabled and an input takes part in gradient flow. The named tensors
   * of `save` are held (as extra handles) until backward has used them, and reach it under the same names.
   */
  record<S extends SaveSpec>(op: string, inputs: Tensor[], outputs: Tensor[], backward: GradFn<S>, save?: S): void {
    if (!this.#gradEnabled) return;
    const needs = inputs.map(flowsGrad);
    if (!needs.some(Boolean)) return;
    const saved: Record<string, Tensor | undefined> = {};
    for (const [name, t] of Object.entries(save ?? {})) saved[name] = t?.view(t.shape).keep();
    const entry = { op, inputs, needs, outputs: outputs.map((t) => t.id), saved, backward: backward as GradFn, live: true };
    this.tape.push(entry);
    for (const o of outputs) { o.requiresGrad = true; o.entry = entry; }
  }

  /** Gradients of `loss` into every leaf's `.grad` (accumulating). Frees the tape unless retainGraph. */
  backward(loss: Tensor, opts: { grad?: Tensor; retainGraph?: boolean } = {}): void {
    runBackward(this, loss, opts);
  }

  // ---- capture ----------------------------------------------------------------------------------------------

  /**
   * Runs `fn` once while recording its dispatches; `step.replay()` repeats them with no op/tape work. Inputs must
   * exist before (write new data between replays); run one eager step first so lazily created state (optimiser
   * buffers) is not re-initialised by every replay. Tensors `fn` returns hold each replay's results.
   */
  capture<T>(fn: () => T): { step: CapturedStep; result: T } {
    this.runtime.beginCapture();
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.runtime.endCapture().dispose();
      throw e;
    }
    return { step: this.runtime.endCapture(), result };
  }

  // ---- end --------------------------------------------------------------------------------------------------

  /** Submits pending work and waits for it. */
  sync(): Promise<void> { return this.runtime.sync(); }

  /** Submits the work recorded so far to the GPU without waiting for it. */
  flush(): void { this.runtime.flush(); }

  /** Frees the tape, the pool and the device, so the process can exit. */
  close(): void {
    this.tape.clear();
    this.runtime.close();
  }
}

function collectTensors(x: unknown, out: Set<Tensor>, depth = 0): void {
  if (x instanceof Tensor) { out.add(x); return; }
  if (depth > 4 || x === null || typeof x !== 'object') return;
  if (Array.isArray(x)) for (const v of x) collectTensors(v, out, depth + 1);
  else if (x instanceof Map) for (const v of x.values()) collectTensors(v, out, depth + 1);
  else if (Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) collectTensors(v, out, depth + 1);
}
