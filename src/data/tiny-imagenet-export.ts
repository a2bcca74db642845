/**
 * Writes datasets in the Tiny ImageNet layout (PNG files), so that TinyImageNet.open and other tools read
 * them back: wnids.txt, words.txt, train/<wnid>/images/<wnid>_<n>.png + <wnid>_boxes.txt,
 * val/images/val_<n>.png + val_annotations.txt, test/images/test_<n>.png.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, type Dataset } from './dataset.js';
import { encodePng } from './image-io.js';
import type { Box } from './tiny-imagenet.js';

/** A dataset that may know each item's object box (SynthObjects does). */
export type BoxedDataset = Dataset & { box?(index: number): Box | undefined };

export interface TinyImageNetExport {
  train: BoxedDataset;
  val?: BoxedDataset;
  /** Written unlabelled, as in the original. */
  test?: Dataset;
  /** One id per class, sorting in label order (default `s00000000`, `s00000001`, …). */
  wnids?: readonly string[];
}

export function syntheticWnid(label: number): string {
  return `s${String(label).padStart(8, '0')}`;
}

export function exportTinyImageNet(root: string, data: TinyImageNetExport): void {
  const { train } = data;
  const wnids = data.wnids ?? Array.from({ length: train.numClasses }, (_, i) => syntheticWnid(i));
  if (wnids.length !== train.numClasses) {
    throw new DataError(`exportTinyImageNet: ${wnids.length} wnids for ${train.numClasses} classes`);
  }
  if (wnids.some((w, i) => i > 0 && wnids[i - 1] >= w)) {
    throw new DataError('exportTinyImageNet: wnids must sort in label order (readers index classes by sorted wnid)');
  }
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'wnids.txt'), wnids.map((w) => `${w}\n`).join(''));
  writeFileSync(join(root, 'words.txt'), wnids.map((w, i) => `${w}\t${train.classNames[i]}\n`).join(''));

  const boxRows = wnids.map(() => [] as string[]);
  const counts = new Array<number>(wnids.length).fill(0);
  for (const w of wnids) mkdirSync(join(root, 'train', w, 'images'), { recursive: true });
  for (let i = 0; i < train.size; i++) {
    const s = train.get(i);
    const name = `${wnids[s.label]}_${counts[s.label]++}.png`;
    writeFileSync(join(root, 'train', wnids[s.label], 'images', name), encodePng(s));
    boxRows[s.label].push(`${name}\t${boxOf(train, i, s.shape).join('\t')}\n`);
  }
  wnids.forEach((w, l) => writeFileSync(join(root, 'train', w, `${w}_boxes.txt`), boxRows[l].join('')));

  if (data.val) {
    const val = data.val;
    mkdirSync(join(root, 'val', 'images'), { recursive: true });
    const rows: string[] = [];
    for (let i = 0; i < val.size; i++) {
      const s = val.get(i);
      const name = `val_${i}.png`;
      writeFileSync(join(root, 'val', 'images', name), encodePng(s));
      rows.push(`${name}\t${wnids[s.label]}\t${boxOf(val, i, s.shape).join('\t')}\n`);
    }
    writeFileSync(join(root, 'val', 'val_annotations.txt'), rows.join(''));
  }

  if (data.test) {
    mkdirSync(join(root, 'test', 'images'), { recursive: true });
    for (let i = 0; i < data.test.size; i++) {
      writeFileSync(join(root, 'test', 'images', `test_${i}.png`), encodePng(data.test.get(i)));
    }
  }
}

/** The item's box, or the whole image when the dataset has none. */
function boxOf(ds: BoxedDataset, index: number, shape: readonly number[]): Box {
  return ds.box?.(index) ?? [0, 0, shape[2] - 1, shape[1] - 1];
}
