// Public API.
export { Engine, type EngineStats } from './engine.js';
export { Tensor, type DType } from './tensor/tensor.js';
export type { CapturedStep } from './gpu/capture.js';
export * from './errors.js';
export * from './ops/index.js';
export { SGD, type SgdOptions } from './optim/sgd.js';
export { Adam, type AdamOptions } from './optim/adam.js';
export { Optimizer } from './optim/optimizer.js';
export { Module, type HostTensor } from './nn/module.js';
export * from './nn/layers.js';
export { Initializer } from './nn/init.js';
export { GRCNN, GRCL, GRCNN_PRESETS, type GrcnnConfig } from './models/grcnn.js';
export { Rng } from './random/rng.js';
export { readSafetensors, writeSafetensors } from './io/safetensors.js';
export * as data from './data/index.js';
export * as analysis from './analysis/index.js';
export * as stats from './stats/index.js';
export * as corruptions from './corrupt/index.js';
