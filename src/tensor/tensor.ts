/** A contiguous f32/i32 tensor over a pooled GPU buffer. Views (reshape) share storage by reference count. */
import { DisposedError } from '../errors.js';
import type { Binding } from '../gpu/runtime.js';
import { fmt, numel, type Shape } from './shape.js';
import type { Engine } from '../engine.js';
import type { TapeEntry } from '../autograd/tape.js';

export type DType = 'f32' | 'i32';
export type TypedArrayOf<D extends DType> = D extends 'i32' ? Int32Array : Float32Array;

/** A GPU buffer shared by a tensor and its views; returned to the pool when the last one is disposed. */
export class Storage {
  refs = 1;
  constructor(readonly buffer: GPUBuffer, readonly bytes: number) {}
}

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly size: number;
  /** True for parameters and for results of recorded ops on them. */
  requiresGrad = false;
  /** Accumulated gradient (leaves only), owned by this tensor. */
  grad: Tensor | null = null;
  /** The tape entry that produced this tensor, if recorded. */
  entry: TapeEntry | null = null;
  /** Name used in error messages (e.g. the parameter name). */
  name: string | undefined;
  #storage: Storage | null;

  constructor(readonly engine: Engine, storage: Storage, shape: Shape, readonly dtype: DType, name?: string) {
    this.#storage = storage;
    this.shape = Object.freeze([...shape]);
    this.size = numel(shape);
    this.name = name;
    engine.track(this);
  }

  get rank(): number { return this.shape.length; }
  get bytes(): number { return this.size * 4; }
  get disposed(): boolean { return this.#storage === null; }
  /** A leaf: not produced by a recorded op. */
  get isLeaf(): boolean { return this.entry === null; }

  get storage(): Storage {
    if (!this.#storage) throw new DisposedError(`tensor ${this.describe()} was used after dispose()`);
    return this.#storage;
  }

  /** The buffer binding of this tensor, for dispatches. */
  binding(): Binding {
    return { buffer: this.storage.buffer, size: this.bytes, name: this.describe() };
  }

  describe(): string { return `${this.name ?? `#${this.id}`} ${this.dtype}${fmt(this.shape)}`; }

  /** Copies the data to the CPU (one GPU wait). */
  async read(): Promise<Float32Array | Int32Array> {
    const buf = await this.engine.runtime.read(this.storage.buffer, 0, this.bytes);
    return this.dtype === 'i32' ? new Int32Array(buf) : new Float32Array(buf);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new DisposedError(`item(): tensor ${this.describe()} has ${this.size} elements`);
    return (await this.read())[0];
  }

  /** Overwrites the contents from the CPU, in order with work already issued. */
  write(data: ArrayLike<number>): void {
    this.engine.writeTensor(this, data);
  }

  /** A new handle on the same storage with another shape (same element count). No copy, no gradient link. */
  view(shape: Shape): Tensor {
    const st = this.storage;
    st.refs++;
    return new Tensor(this.engine, st, shape, this.dtype);
  }

  /** Removes this tensor from scope tracking: it lives until dispose(). */
  keep(): this {
    this.engine.untrack(this);
    return this;
  }

  dispose(): void {
    if (!this.#storage) return;
    this.grad?.dispose();
    this.grad = null;
    const st = this.#storage;
    this.#storage = null;
    this.engine.release(this, st);
  }

  toString(): string { return `Tensor(${this.describe()})`; }
}
