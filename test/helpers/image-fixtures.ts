/** Tiny on-disk data sets in the real layouts (ImageFolder, Tiny ImageNet), drawn from synth-objects. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../../src/data/dataset.js';
import { encodePng } from '../../src/data/image-io.js';
import { SynthObjects } from '../../src/data/synth-objects.js';
import { exportTinyImageNet } from '../../src/data/tiny-imagenet-export.js';

/**
 * Ten real ILSVRC-2012 wnids, sorted, standing in for synth-objects' ten classes: goldfish (index 1) and
 * Chihuahua (151) are in no Geirhos category; brambling (10) is a bird, golden retriever (207) a dog, tabby (281)
 * and Egyptian cat (285) cats, African elephant (386), airliner (404), cleaver (499, knife), rotisserie (766, oven).
 */
export const FIXTURE_WNIDS = ['n01443537', 'n01530575', 'n02085620', 'n02099601', 'n02123045', 'n02124075', 'n02504458',
  'n02690373', 'n03041632', 'n04111531'];

const synth = (split: 'train' | 'val', perClass: number, imageSize: number) =>
  new SynthObjects({ split, perClass, imageSize, rms: [0, 0.02] });

/** root/<class name>/<i>.png for every item. */
export function writeImageFolder(root: string, data: Dataset, classNames: readonly string[]): void {
  for (const name of classNames) mkdirSync(join(root, name), { recursive: true });
  for (let i = 0; i < data.size; i++) {
    const s = data.get(i);
    writeFileSync(join(root, classNames[s.label], `${i}.png`), encodePng(s));
  }
}

/** ImageNet-style train/ and val/ folders named by wnid. */
export function synthImageFolder(root: string, opts: { perClass: number; valPerClass: number; imageSize: number }): { train: string; val: string } {
  const dirs = { train: join(root, 'train'), val: join(root, 'val') };
  writeImageFolder(dirs.train, synth('train', opts.perClass, opts.imageSize), FIXTURE_WNIDS);
  writeImageFolder(dirs.val, synth('val', opts.valPerClass, opts.imageSize), FIXTURE_WNIDS);
  return dirs;
}

/** The Tiny ImageNet layout (wnids.txt, words.txt, train/<wnid>/images, val/val_annotations.txt) with FIXTURE_WNIDS. */
export function synthTinyImageNet(root: string, opts: { perClass: number; valPerClass: number; imageSize: number }): string {
  exportTinyImageNet(root, { train: synth('train', opts.perClass, opts.imageSize), val: synth('val', opts.valPerClass, opts.imageSize), wnids: FIXTURE_WNIDS });
  return root;
}
