/** `root/<class>/<image>` datasets, labelled by sorted class-folder name (torchvision's ImageFolder order). */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkIndex, DataError, type Dataset, type Sample } from './dataset.js';
import { readImage, type Channels } from './image-io.js';

export const IMAGE_EXTENSIONS = /\.(png|jpe?g)$/i;

export interface ImageFolderOptions {
  channels?: Channels;
  /** Restricts and orders the classes; default: every sub-folder, sorted. */
  classes?: readonly string[];
}

/** Image files directly inside `dir`, sorted by name (code-unit order, so it does not depend on the locale). */
export function listImages(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new DataError(`cannot list images in ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return names.filter((n) => IMAGE_EXTENSIONS.test(n)).sort(byCodeUnits).map((n) => join(dir, n));
}

export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A dataset of explicit (path, label) pairs; the formats below build one. */
export class FileDataset implements Dataset {
  readonly numClasses: number;

  constructor(
    readonly paths: readonly string[],
    readonly labels: Int32Array,
    readonly classNames: readonly string[],
    readonly channels: Channels = 3,
  ) {
    if (paths.length !== labels.length) {
      throw new DataError(`FileDataset: ${paths.length} paths but ${labels.length} labels`);
    }
    this.numClasses = classNames.length;
  }

  get size(): number { return this.paths.length; }

  get(index: number): Sample {
    checkIndex('FileDataset', index, this.paths.length);
    return { ...readImage(this.paths[index], this.channels), label: this.labels[index] };
  }
}

export function imageFolder(root: string, options: ImageFolderOptions = {}): FileDataset {
  const classes = options.classes ?? readdirSync(root)
    .filter((n) => statSync(join(root, n)).isDirectory())
    .sort(byCodeUnits);
  if (classes.length === 0) throw new DataError(`imageFolder: no class folders in ${root}`);
  const paths: string[] = [];
  const labels: number[] = [];
  classes.forEach((cls, label) => {
    for (const p of listImages(join(root, cls))) { paths.push(p); labels.push(label); }
  });
  if (paths.length === 0) throw new DataError(`imageFolder: no .png/.jpg/.jpeg images under ${root}`);
  return new FileDataset(paths, Int32Array.from(labels), classes, options.channels ?? 3);
}
