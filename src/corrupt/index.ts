/** The corruption wing's public API: corrupt() (float or canonical), the catalogue, frost photographs. */
export { corrupt, type CorruptOptions } from './corrupt.js';
export * from './catalogue.js';
export { FROST_FILES, type FrostPhotos } from './frost-photos.js';
export { loadFrostPhotos } from './frost-folder.js';
