/**
 * Step capture and replay. Between `beginCapture()` and `endCapture()` every dispatch runs as usual and is also
 * recorded (pipeline, bind group, grid), with its params packed into the capture's own uniform buffer. Replaying
 * re-encodes those dispatches with no JS-side op work, tape or allocation: a training or reconstruction step
 * then costs only the encoding of its dispatches.
 *
 * Every buffer a recorded dispatch touches is pinned in the pool until the capture is disposed, so later eager
 * work can never be handed a buffer that a replay writes. Inputs must exist before the capture (write new data
 * into them between replays with `tensor.write()`); uploads and copies inside a capture are refused. Params given
 * as a function are re-evaluated at every replay (see LiveParams), so values that change per step need no recapture.
 */
import type { EntryInfo } from './kernels.js';
import type { ParamValues } from './params.js';

export const CAPTURE_PARAM_BYTES = 4 << 20;

export interface CapturedDispatch { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup; grid: [number, number, number]; name: string }

/**
 * A captured dispatch whose params are a function (e.g. an optimiser's learning rate and bias corrections):
 * every replay calls it again and repacks the result at `at` in the capture's uniform buffer.
 */
export interface LiveParams { info: EntryInfo; at: number; values: () => ParamValues }

export class CaptureRecorder {
  readonly dispatches: CapturedDispatch[] = [];
  readonly buffers = new Set<GPUBuffer>();
  readonly live: LiveParams[] = [];
  readonly params: GPUBuffer;
  readonly cpu = new ArrayBuffer(CAPTURE_PARAM_BYTES);
  readonly view = new DataView(this.cpu);
  used = 0;

  constructor(device: GPUDevice) {
    this.params = device.createBuffer({ size: CAPTURE_PARAM_BYTES, usage: 0x40 | 0x8, label: 'capture-params' });
  }
}

/** A recorded step. `replay()` enqueues it again; `dispose()` unpins its buffers. */
export interface CapturedStep {
  readonly dispatchCount: number;
  replay(): void;
  dispose(): void;
}
