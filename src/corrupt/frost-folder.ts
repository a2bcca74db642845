/**
 * The original frost photographs from a user folder (Node only: the browser bundle never imports this file, a page
 * decodes the photos itself and passes them to corrupt() as `frostPhotos`).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Image } from '../data/dataset.js';
import { readImage } from '../data/image-io.js';
import { ArgumentError } from '../errors.js';
import { FROST_FILES, type FrostPhotos } from './frost-photos.js';

const photoCache = new Map<string, Image>();

/** The five photos of `dir`, decoded once per process; errors name the folder or the file. */
export function loadFrostPhotos(dir: string): FrostPhotos {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ArgumentError(`frost photographs: folder ${dir} does not exist (it must hold ${FROST_FILES.join(', ')})`);
  }
  const images = FROST_FILES.map((f) => {
    const path = join(dir, f);
    let img = photoCache.get(path);
    if (!img) {
      if (!existsSync(path)) throw new ArgumentError(`frost photographs: ${path} is missing (${dir} must hold ${FROST_FILES.join(', ')})`);
      img = readImage(path, 3);
      photoCache.set(path, img);
    }
    return img;
  });
  return { id: resolve(dir), images };
}
