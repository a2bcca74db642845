// Neural metrics and analyses, re-exported (imported as `analysis` from the package root).
export * from '../stats/index.js';
export * from './fev.js';
export * from './robustness.js';
export { CORRUPTION_CATEGORIES, TIN_TC_CORRUPTIONS } from '../corrupt/catalogue.js';
export * from './neural-metrics.js';
