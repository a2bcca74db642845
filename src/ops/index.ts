// Every op, re-exported. One file per op family.
export * from './elementwise.js';
export * from './reduce.js';
export * from './movement.js';
export { fill } from './fill.js';
