/** Typed errors: every failure names the op/kernel, tensor, field or file involved. */

export class CortexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No WebGPU adapter: tells the user what to install. */
export class NoAdapterError extends CortexError {}

/** A WGSL validation or pipeline error, naming the kernel. */
export class GpuValidationError extends CortexError {}

/** The device ran out of memory while running the named kernels. */
export class GpuOutOfMemoryError extends CortexError {}

/** The device was lost (driver reset, OOM, destroy from elsewhere). Results after this are never trusted. */
export class DeviceLostError extends CortexError {}

/** A tensor or dispatch exceeds a device limit; names the tensor, its bytes and the limit. */
export class LimitError extends CortexError {}

/** Wrong shapes/dtypes for an op: names the op and the shapes. */
export class ShapeError extends CortexError {}

/** A bad argument value that is not a shape (a learning rate below 0, an unknown name, a probability past 1): names the argument. */
export class ArgumentError extends CortexError {}

/** An invalid configuration (a JSON file, CLI flags): names the field. */
export class ConfigError extends ArgumentError {}

/** The training loss (or a metric it is chosen by) stopped being finite; nothing after it is saved. */
export class NonFiniteLossError extends CortexError {}

/** Use of a disposed tensor. */
export class DisposedError extends CortexError {}

/** The device holding a file has no room left; the message names the file, and nothing there was replaced. */
export class DiskFullError extends CortexError {}

/** A run folder that cannot be used as asked: locked by a live process, holding a run, or nothing to resume. */
export class RunFolderError extends CortexError {}

/** Training stopped on a signal after saving a checkpoint; `exitCode` is 128 + the signal's number. */
export class StoppedError extends CortexError {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }

  /** A training loop stopped by `signal` after writing the checkpoint of `step` (its reason: the exit code, else 130). */
  static atStep(step: number, signal: AbortSignal): StoppedError {
    return new StoppedError(`stopped at step ${step}; continue with --resume`, typeof signal.reason === 'number' ? signal.reason : 130);
  }
}
