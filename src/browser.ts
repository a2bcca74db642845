// The browser bundle's entry: the engine, ops, layers and models, without the Node-only file I/O, data sets and CLI.
export { Engine, type EngineStats } from './engine.js';
export { Tensor, type DType } from './tensor/tensor.js';
export type { CapturedStep } from './gpu/capture.js';
export * from './errors.js';
export * from './ops/index.js';
export { SGD } from './optim/sgd.js';
export { Adam } from './optim/adam.js';
export { Module } from './nn/module.js';
export * from './nn/layers.js';
export { Initializer } from './nn/init.js';
export { GRCNN, GRCL, GRCNN_PRESETS } from './models/grcnn.js';
export { VGG, VGG_PRESETS } from './models/vgg.js';
export { Rng } from './random/rng.js';
