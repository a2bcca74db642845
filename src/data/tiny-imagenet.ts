/**
 * Tiny ImageNet layout: wnids.txt, words.txt, train/<wnid>/images/*, train/<wnid>/<wnid>_boxes.txt,
 * val/images/* + val/val_annotations.txt (file, wnid, x0, y0, x1, y1; tab-separated).
 * Labels follow the sorted wnid order, as torchvision's ImageFolder over the nntransfer-reorganised folders
 * (used by neural_cotraining) and ImageNet's own class indices do; wnids.txt line order is not used.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { checkIndex, DataError } from './dataset.js';
import { byCodeUnits, FileDataset, listImages } from './image-folder.js';
import type { Channels } from './image-io.js';

export type TinyImageNetSplit = 'train' | 'val';

export interface TinyImageNetOptions {
  channels?: Channels;
}

/** Box as [x0, y0, x1, y1] in pixels, inclusive, as in the annotation files. */
export type Box = readonly [number, number, number, number];

export class TinyImageNet extends FileDataset {
  private constructor(
    paths: string[],
    labels: Int32Array,
    readonly wnids: readonly string[],
    classNames: readonly string[],
    channels: Channels,
    private readonly boxes: Int32Array,
  ) {
    super(paths, labels, classNames, channels);
  }

  /** The annotated object box of item `index`, or undefined where the files give none. */
  box(index: number): Box | undefined {
    checkIndex('TinyImageNet.box', index, this.size);
    const b = this.boxes.subarray(4 * index, 4 * index + 4);
    return b[0] < 0 ? undefined : [b[0], b[1], b[2], b[3]];
  }

  static open(root: string, split: TinyImageNetSplit, options: TinyImageNetOptions = {}): TinyImageNet {
    const wnids = lines(join(root, 'wnids.txt')).sort(byCodeUnits);
    if (wnids.length === 0) throw new DataError(`TinyImageNet: ${join(root, 'wnids.txt')} lists no wnids`);
    const words = readWords(join(root, 'words.txt'));
    const classNames = wnids.map((w) => words.get(w)?.split(',')[0].trim() || w);
    const labelOf = new Map(wnids.map((w, i) => [w, i]));
    const paths: string[] = [];
    const labels: number[] = [];
    const boxes: number[] = [];
    if (split === 'train') {
      for (const [label, wnid] of wnids.entries()) {
        const dir = join(root, 'train', wnid);
        const boxOf = readBoxes(join(dir, `${wnid}_boxes.txt`));
        for (const p of listImages(join(dir, 'images'))) {
          paths.push(p);
          labels.push(label);
          boxes.push(...(boxOf.get(basename(p)) ?? NO_BOX));
        }
      }
    } else {
      const annFile = join(root, 'val', 'val_annotations.txt');
      for (const [n, line] of lines(annFile).entries()) {
        const f = line.split('\t');
        const label = labelOf.get(f[1]);
        if (label === undefined) throw new DataError(`TinyImageNet: ${annFile}:${n + 1}: wnid '${f[1]}' not in wnids.txt`);
        paths.push(join(root, 'val', 'images', f[0]));
        labels.push(label);
        boxes.push(...(f.length >= 6 ? f.slice(2, 6).map(Number) : NO_BOX));
      }
    }
    if (paths.length === 0) throw new DataError(`TinyImageNet: no ${split} images under ${root}`);
    return new TinyImageNet(paths, Int32Array.from(labels), wnids, classNames, options.channels ?? 3,
      Int32Array.from(boxes));
  }
}

const NO_BOX = [-1, -1, -1, -1];

function lines(path: string): string[] {
  if (!existsSync(path)) throw new DataError(`missing file ${path}`);
  return readFileSync(path, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}

function readWords(path: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(path)) return out;
  for (const line of lines(path)) {
    const tab = line.indexOf('\t');
    if (tab > 0) out.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return out;
}

/** `<file>\tx0\ty0\tx1\ty1` rows keyed by file name. */
function readBoxes(path: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (!existsSync(path)) return out;
  for (const line of lines(path)) {
    const f = line.split('\t');
    out.set(f[0], f.slice(1, 5).map(Number));
  }
  return out;
}
