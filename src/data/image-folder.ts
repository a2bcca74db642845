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

/** The class sub-folders of `root`, sorted. */
function classFolders(root: string): string[] {
  try {
    return readdirSync(root).filter((n) => statSync(join(root, n)).isDirectory()).sort(byCodeUnits);
  } catch (e) {
    throw new DataError(`imageFolder: cannot list class folders in ${root}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function imageFolder(root: string, options: ImageFolderOptions = {}): FileDataset {
  const classes = options.classes ?? classFolders(root);
  if (classes.length === 0) throw new DataError(`imageFolder: no class folders in ${root}`);
  const paths: string[] = [];
  const labels: number[] = [];
  classes.forEach((cls, label) => {
    const images = listImages(join(root, cls));
    // An empty class would still take a label (and a logit) that no image ever trains or tests.
    if (images.length === 0) throw new DataError(`imageFolder: class folder ${join(root, cls)} holds no .png/.jpg/.jpeg images`);
    for (const p of images) { paths.push(p); labels.push(label); }
  });
  return new FileDataset(paths, Int32Array.from(labels), classes, options.channels ?? 3);
}

/**
 * A train and a val folder labelled with ONE class list, the training split's: labelling each split by its own
 * sorted folders would shift every label after a class missing from one of them.
 */
export function imageFolderSplits(trainRoot: string, valRoot: string, options: Omit<ImageFolderOptions, 'classes'> = {}): { train: FileDataset; val: FileDataset } {
  const train = imageFolder(trainRoot, options);
  const valClasses = classFolders(valRoot);
  const missing = train.classNames.filter((c) => !valClasses.includes(c));
  if (missing.length) throw new DataError(`imageFolder: ${join(valRoot, missing[0])} is missing: the validation split lacks class '${missing[0]}' of ${trainRoot}${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`);
  const extra = valClasses.filter((c) => !train.classNames.includes(c));
  if (extra.length) throw new DataError(`imageFolder: ${join(valRoot, extra[0])} is a class the training split ${trainRoot} does not have`);
  return { train, val: imageFolder(valRoot, { ...options, classes: train.classNames }) };
}
