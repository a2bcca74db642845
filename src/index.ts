// Public API.
export { Engine, type EngineStats } from './engine.js';
export { Tensor, type DType } from './tensor/tensor.js';
export * from './gpu/errors.js';
export * from './ops/index.js';
