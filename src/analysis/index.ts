// Neural metrics and analyses, re-exported (imported as `analysis` from the package root).
export * from './repeats.js';
export * from './correlation.js';
export * from './fev.js';
export * from './ceiling.js';
export * from './bootstrap.js';
export * from './robustness.js';
export { CORRUPTION_CATEGORIES, TIN_TC_CORRUPTIONS } from '../corrupt/catalogue.js';
export * from './neural-metrics.js';
