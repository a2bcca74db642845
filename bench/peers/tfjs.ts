/**
 * The peer: the same workloads on tfjs-backend-webgpu 4.22 (NHWC, as tfjs lays out convolutions), on the same
 * Dawn adapter in the same process. Measured as shared/spec/peers.md did: each step is flushed and the queue
 * awaited, with no readback. tfjs is loaded only for --compare (importing it alone takes 0.1–2.5 s).
 *
 * NOTE: `@tensorflow/tfjs` (the union package) is imported rather than tfjs-core, whose Node bundle registers no
 * gradients ("gradient function not found for Conv2D").
 */
import type * as TF from '@tensorflow/tfjs';
import { uniform } from '../harness.js';

type Tf = typeof TF;

/** One workload on the peer: `step` enqueues an iteration (its tensors freed by tf.tidy), `finish` waits for it. */
export interface PeerWorkload {
  step(): void;
  finish(): Promise<void>;
  dispose(): void;
}

/** The parts of tfjs's WebGPUBackend used to flush its batched command encoder (not in its public types). */
interface WebGpuBackend {
  commandEncoder: GPUCommandEncoder | null;
  queue: GPUQueue;
  device: GPUDevice;
  adapterInfo: { vendor?: string; architecture?: string };
  endComputePassEncoder(): void;
  submitQueue(): void;
}

/**
 * Dawn instances of open peers. NOTE: one that is no longer referenced is garbage-collected while its device is
 * still in use, and Dawn then aborts the process (segfault or "futex facility returned an unexpected error").
 */
const alive = new Set<GPU>();

export interface ConvShape { n: number; c: number; h: number; w: number; k: number }

export class TfjsPeer {
  readonly name = 'tfjs-webgpu';

  private constructor(private readonly tf: Tf, private readonly backend: WebGpuBackend, private readonly gpu: GPU,
    readonly version: string, readonly adapterName: string, readonly importMs: number) {
    alive.add(gpu);
  }

  static async open(): Promise<TfjsPeer> {
    const dawn = (await import('webgpu')) as unknown as { create: (o: string[]) => GPU; globals: object };
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    // tfjs registers its WebGPU backend on import only when navigator.gpu exists, and reads it again at init.
    // The global is removed afterwards so that engines created later open their own Dawn instance.
    const gpu = dawn.create([]);
    const prev = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true, writable: true });
    try {
      const t0 = performance.now();
      const tf = (await import('@tensorflow/tfjs')) as unknown as Tf;
      await import('@tensorflow/tfjs-backend-webgpu');
      const importMs = performance.now() - t0;
      if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend failed to initialise');
      await tf.ready();
      const backend = tf.backend() as unknown as WebGpuBackend;
      const info = backend.adapterInfo;
      return new TfjsPeer(tf, backend, gpu, tf.version.tfjs, [info.vendor, info.architecture].filter(Boolean).join(' '), importMs);
    } finally {
      if (prev) Object.defineProperty(globalThis, 'navigator', prev);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
  }

  /** Submits what tfjs has batched and waits for the queue. */
  async finish(): Promise<void> {
    const be = this.backend;
    be.endComputePassEncoder();
    if (be.commandEncoder) be.submitQueue();
    await be.queue.onSubmittedWorkDone();
  }

  #workload(step: () => void, keep: TF.Tensor[]): PeerWorkload {
    const tf = this.tf;
    return {
      step: () => tf.tidy(step),
      finish: () => this.finish(),
      dispose: () => tf.dispose(keep),
    };
  }

  #tensor(shape: number[], seed: number, scale = 1): TF.Tensor {
    return this.tf.tensor(uniform(shape.reduce((a, b) => a * b, 1), seed, -scale, scale), shape);
  }

  /** 3×3 'same' conv, stride 1, no bias; with `backward`, also dX and dW for loss Σ y·dy. */
  conv(s: ConvShape, backward: boolean): PeerWorkload {
    const tf = this.tf;
    const x = this.#tensor([s.n, s.h, s.w, s.c], 1) as TF.Tensor4D;
    const w = this.#tensor([3, 3, s.c, s.k], 2, 0.1) as TF.Tensor4D;
    const dy = this.#tensor([s.n, s.h, s.w, s.k], 3);
    const f = (a: TF.Tensor, b: TF.Tensor) => tf.conv2d(a as TF.Tensor4D, b as TF.Tensor4D, 1, 'same');
    const grads = tf.grads(f);
    return this.#workload(() => { if (backward) grads([x, w], dy); else f(x, w); }, [x, w, dy]);
  }

  /**
   * One GRCL step (see grcl.bench.ts): a = conv(relu(bn(x))), g = conv(relu(bn(x))) + conv(relu(bn(u))),
   * x' = x + σ(g)·a, with batch-statistics BN; with `backward`, the gradients of Σ x'·dy w.r.t. every input.
   */
  grcl(s: ConvShape, backward: boolean): PeerWorkload {
    const tf = this.tf;
    const act = [s.n, s.h, s.w, s.c];
    const u = this.#tensor(act, 11);
    const x = this.#tensor(act, 12);
    const ws = [13, 14, 15].map((seed) => this.#tensor([3, 3, s.c, s.c], seed, 0.1));
    const gammas = [0, 1, 2].map(() => tf.ones([s.c]));
    const betas = [0, 1, 2].map(() => tf.zeros([s.c]));
    const dy = this.#tensor(act, 16);
    const pre = (t: TF.Tensor, i: number) => {
      const m = tf.moments(t, [0, 1, 2]);
      return tf.relu(tf.batchNorm(t, m.mean, m.variance, betas[i], gammas[i], 1e-5));
    };
    const conv = (t: TF.Tensor, w: TF.Tensor) => tf.conv2d(t as TF.Tensor4D, w as TF.Tensor4D, 1, 'same');
    const step = (uu: TF.Tensor, xx: TF.Tensor, wa: TF.Tensor, wb: TF.Tensor, wc: TF.Tensor) => {
      const a = conv(pre(xx, 0), wa);
      const g = tf.add(conv(pre(xx, 1), wb), conv(pre(uu, 2), wc));
      return tf.add(xx, tf.mul(tf.sigmoid(g), a));
    };
    const grads = tf.grads(step);
    const args = [u, x, ...ws];
    return this.#workload(() => {
      if (backward) grads(args, dy);
      else step(u, x, ws[0], ws[1], ws[2]);
    }, [...args, ...gammas, ...betas, dy]);
  }

  /** [m, k] × [k, n]. */
  matmul(m: number, k: number, n: number): PeerWorkload {
    const tf = this.tf;
    const a = this.#tensor([m, k], 21);
    const b = this.#tensor([k, n], 22);
    return this.#workload(() => { tf.matMul(a, b); }, [a, b]);
  }

  /** `count` chained y = y + 1 on `len` floats: per-op overhead. */
  chainedAdds(count: number, len: number): PeerWorkload {
    const tf = this.tf;
    const x = tf.zeros([len]);
    return this.#workload(() => {
      let y = x;
      for (let i = 0; i < count; i++) y = tf.add(y, 1);
    }, [x]);
  }

  close(): void {
    this.tf.disposeVariables();
    this.tf.removeBackend('webgpu');
    this.backend.device.destroy();
    alive.delete(this.gpu);
  }
}
