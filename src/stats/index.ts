// Plain statistics on host arrays (repeats, correlations, ceilings, bootstrap), re-exported (`stats` from the package
// root; `analysis` re-exports them too).
export * from './repeats.js';
export * from './correlation.js';
export * from './ceiling.js';
export * from './bootstrap.js';
