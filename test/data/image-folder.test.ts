import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, holdout, subset } from '../../src/data/dataset.js';
import { imageFolder, imageFolderSplits } from '../../src/data/image-folder.js';
import { encodeJpeg, encodePng } from '../../src/data/image-io.js';
import { expectClose } from '../helpers/close.js';
import { byteImage, useTmpDir, write } from './fixtures.js';

const tmp = useTmpDir();

describe('imageFolder', () => {
  it('labels by sorted class folder and lists images by name, PNG and JPEG mixed', () => {
    const root = join(tmp(), 'folder');
    const imgs = { 'b/2.png': byteImage(3, 5, 7, 1), 'b/10.png': byteImage(3, 5, 7, 2), 'a/x.png': byteImage(3, 5, 7, 3) };
    for (const [p, img] of Object.entries(imgs)) write(join(root, p), encodePng(img));
    write(join(root, 'c', 'only.JPG'), encodeJpeg(byteImage(3, 5, 7, 4)));
    write(join(root, 'c', 'notes.txt'), 'ignored');
    write(join(root, 'readme.md'), 'not a class');
    const ds = imageFolder(root);
    expect(ds.classNames).toEqual(['a', 'b', 'c']);
    expect(ds.size).toBe(4);
    expect(ds.paths.map((p) => p.slice(root.length + 1))).toEqual(['a/x.png', 'b/10.png', 'b/2.png', 'c/only.JPG']);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1, 2]);
    const s = ds.get(2);
    expect(s.label).toBe(1);
    expect(s.shape).toEqual([3, 5, 7]);
    expectClose(s.data, imgs['b/2.png'].data, { atol: 1e-6, rtol: 0 }, 'pixels');
    expect(imageFolder(root, { channels: 1 }).get(0).shape).toEqual([1, 5, 7]);
    expect(imageFolder(root, { classes: ['c', 'a'] }).labels).toEqual(Int32Array.from([0, 1]));
    expect(() => ds.get(4)).toThrow(RangeError);
  });

  it('labels train and val with one class list; a missing, extra or empty class is an error naming the folder (issue 11 item 3)', () => {
    const split = (name: string, classes: Record<string, number>) => {
      const root = join(tmp(), 'splits', name);
      for (const [c, n] of Object.entries(classes)) {
        for (let i = 0; i < n; i++) write(join(root, c, `${i}.png`), encodePng(byteImage(1, 4, 4, i)));
        if (n === 0) write(join(root, c, 'notes.txt'), '');
      }
      return root;
    };
    const train = split('train', { a: 2, b: 2, c: 2 });
    const ok = imageFolderSplits(train, split('val', { a: 1, b: 1, c: 1 }));
    expect(ok.val.classNames).toEqual(['a', 'b', 'c']);
    expect(Array.from(ok.val.labels)).toEqual([0, 1, 2]);
    const missing = split('val-missing', { a: 1, c: 1 });
    expect(() => imageFolderSplits(train, missing)).toThrow(DataError);
    expect(() => imageFolderSplits(train, missing)).toThrow(`${join(missing, 'b')} is missing: the validation split lacks class 'b'`);
    const extra = split('val-extra', { a: 1, b: 1, c: 1, d: 1 });
    expect(() => imageFolderSplits(train, extra)).toThrow(`${join(extra, 'd')} is a class the training split`);
    const hollow = split('train-empty', { a: 2, b: 0, c: 2 });
    expect(() => imageFolderSplits(hollow, ok.val.paths[0].split('/a/')[0])).toThrow(`class folder ${join(hollow, 'b')} holds no .png/.jpg/.jpeg images`);
  });

  it('rejects an empty root', () => {
    const root = join(tmp(), 'empty');
    write(join(root, 'a', 'notes.txt'), '');
    expect(() => imageFolder(root)).toThrow(DataError);
  });

  it('subsets and holds out deterministically', () => {
    const root = join(tmp(), 'hold');
    for (let i = 0; i < 20; i++) write(join(root, `k${i % 2}`, `${i}.png`), encodePng(byteImage(1, 3, 3, i)));
    const ds = imageFolder(root, { channels: 1 });
    const sub = subset(ds, [5, 0]);
    expect(sub.size).toBe(2);
    expect(sub.get(0).data).toEqual(ds.get(5).data);
    const a = holdout(ds, 0.25, 1);
    const b = holdout(ds, 0.25, 1);
    expect(a.val.size).toBe(5);
    expect(a.train.size).toBe(15);
    expect(a.val.get(3).data).toEqual(b.val.get(3).data);
    const c = holdout(ds, 0.25, 2);
    const ids = (d: typeof a.val) => Array.from({ length: d.size }, (_, i) => Array.from(d.get(i).data).join());
    expect(ids(c.val)).not.toEqual(ids(a.val));
    expect(new Set([...ids(a.val), ...ids(a.train)]).size).toBe(20);
  });
});
