/**
 * Compute pipelines keyed by `file:entry:overrides` (never by shape: shapes live in uniforms).
 * Sync creation for eager dispatch; `warmup` compiles ahead with createComputePipelineAsync, merging
 * concurrent requests for the same key, and reports progress.
 */
import { kernelSource } from './kernels.js';
import { GpuValidationError } from '../errors.js';

export type Overrides = Record<string, number>;

export class PipelineCache {
  #modules = new Map<string, GPUShaderModule>();
  #pipelines = new Map<string, GPUComputePipeline>();
  #inflight = new Map<string, Promise<GPUComputePipeline>>();

  constructor(private device: GPUDevice) {}

  static key(file: string, entry: string, overrides?: Overrides): string {
    if (!overrides) return `${file}:${entry}`;
    const o = Object.keys(overrides).sort().map((k) => `${k}=${overrides[k]}`).join(',');
    return `${file}:${entry}:${o}`;
  }

  get size(): number { return this.#pipelines.size; }

  #module(file: string): GPUShaderModule {
    let m = this.#modules.get(file);
    if (!m) {
      m = this.device.createShaderModule({ code: kernelSource(file), label: file });
      this.#modules.set(file, m);
    }
    return m;
  }

  #descriptor(file: string, entry: string, overrides?: Overrides): GPUComputePipelineDescriptor {
    return { layout: 'auto', label: PipelineCache.key(file, entry, overrides),
      compute: { module: this.#module(file), entryPoint: entry, constants: overrides } };
  }

  get(file: string, entry: string, overrides?: Overrides): GPUComputePipeline {
    const key = PipelineCache.key(file, entry, overrides);
    let p = this.#pipelines.get(key);
    if (!p) {
      p = this.device.createComputePipeline(this.#descriptor(file, entry, overrides));
      this.#pipelines.set(key, p);
    }
    return p;
  }

  /** Compiles one pipeline asynchronously; rejects with a GpuValidationError naming the kernel. */
  getAsync(file: string, entry: string, overrides?: Overrides): Promise<GPUComputePipeline> {
    const key = PipelineCache.key(file, entry, overrides);
    const hit = this.#pipelines.get(key);
    if (hit) return Promise.resolve(hit);
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.device.createComputePipelineAsync(this.#descriptor(file, entry, overrides)).then(
        (p) => { this.#pipelines.set(key, p); this.#inflight.delete(key); return p; },
        (e: Error) => { this.#inflight.delete(key); throw new GpuValidationError(`kernel ${key} failed to compile: ${e.message}`); },
      );
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /** Compiles the given kernels ahead of use; `onProgress(done, total, key)` after each. */
  async warmup(list: { file: string; entry: string; overrides?: Overrides }[],
    onProgress?: (done: number, total: number, key: string) => void): Promise<void> {
    let done = 0;
    await Promise.all(list.map(async (k) => {
      await this.getAsync(k.file, k.entry, k.overrides);
      onProgress?.(++done, list.length, PipelineCache.key(k.file, k.entry, k.overrides));
    }));
  }
}
