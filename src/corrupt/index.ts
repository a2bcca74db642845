/** The corruption wing's public API: corrupt() (float or canonical), the catalogue, frost photographs. */
export { corrupt, type CorruptOptions } from './corrupt.js';
export * from './catalogue.js';
export { FROST_FILES, loadFrostPhotos } from './frost-photos.js';
