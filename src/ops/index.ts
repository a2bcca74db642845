// Every op, re-exported. One file per op family.
export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export { fill } from './fill.js';
export * from './batchnorm.js';
export * from './pool2d.js';
export * from './random.js';
export * from './fft.js';
export * from './softmax.js';
export * from './gated-residual.js';
export * from './grid-sample.js';
export * from './conv2d.js';
export * from './matmul.js';
