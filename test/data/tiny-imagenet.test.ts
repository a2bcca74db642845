import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/dataset.js';
import { encodeJpeg, encodePng } from '../../src/data/image-io.js';
import { SynthObjects } from '../../src/data/synth-objects.js';
import { exportTinyImageNet, syntheticWnid } from '../../src/data/tiny-imagenet-export.js';
import { TinyImageNet } from '../../src/data/tiny-imagenet.js';
import { expectClose } from '../helpers/close.js';
import { byteImage, useTmpDir, write } from './fixtures.js';

const tmp = useTmpDir();

/** The original layout in miniature: unsorted wnids.txt, .JPEG names, one grayscale JPEG. */
function writeTiny(root: string): void {
  write(join(root, 'wnids.txt'), 'n02\nn01\n');
  write(join(root, 'words.txt'), 'n01\tgoldfish, Carassius auratus\nn02\tpig\nn99\tunused\n');
  // jpeg-js builds its tables per encode call (~0.1 s), so the files share two encodings.
  const rgb = encodeJpeg(byteImage(3, 8, 8, 1));
  const gray = encodeJpeg(byteImage(1, 8, 8, 2));
  for (const [w, n] of [['n01', 2], ['n02', 3]] as const) {
    const rows: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `${w}_${i}.JPEG`;
      write(join(root, 'train', w, 'images', name), w === 'n01' && i === 1 ? gray : rgb);
      rows.push(`${name}\t${i}\t1\t${i + 4}\t7\n`);
    }
    write(join(root, 'train', w, `${w}_boxes.txt`), rows.join(''));
  }
  write(join(root, 'val', 'images', 'val_0.JPEG'), encodePng(byteImage(3, 8, 8, 9)));
  write(join(root, 'val', 'images', 'val_1.JPEG'), rgb);
  write(join(root, 'val', 'val_annotations.txt'), 'val_0.JPEG\tn02\t0\t1\t2\t3\nval_1.JPEG\tn01\t4\t5\t6\t7\n');
}

describe('TinyImageNet', () => {
  it('reads train and val with sorted-wnid labels, words, boxes, gray JPEGs as RGB', () => {
    const root = join(tmp(), 'tiny');
    writeTiny(root);
    const train = TinyImageNet.open(root, 'train');
    expect(train.wnids).toEqual(['n01', 'n02']);
    expect(train.classNames).toEqual(['goldfish', 'pig']);
    expect(train.size).toBe(5);
    expect(Array.from(train.labels)).toEqual([0, 0, 1, 1, 1]);
    expect(train.get(1).shape).toEqual([3, 8, 8]);
    expect(train.box(3)).toEqual([1, 1, 5, 7]);
    const val = TinyImageNet.open(root, 'val', { channels: 1 });
    expect(Array.from(val.labels)).toEqual([1, 0]);
    expect(val.box(1)).toEqual([4, 5, 6, 7]);
    expect(val.get(0).shape).toEqual([1, 8, 8]);
  });

  it('names the annotation line with an unknown wnid and a missing wnids.txt', () => {
    const root = join(tmp(), 'bad');
    writeTiny(root);
    write(join(root, 'val', 'val_annotations.txt'), 'val_0.JPEG\tn02\t0\t1\t2\t3\nval_1.JPEG\tn77\t4\t5\t6\t7\n');
    expect(() => TinyImageNet.open(root, 'val')).toThrow(/val_annotations\.txt:2: wnid 'n77'/);
    expect(() => TinyImageNet.open(join(tmp(), 'nowhere'), 'train')).toThrow(DataError);
  });

  it('reads back an exported synth-objects set exactly (8-bit), with its true boxes', () => {
    const root = join(tmp(), 'synth');
    const train = new SynthObjects({ split: 'train', perClass: 2, imageSize: 32 });
    const val = new SynthObjects({ split: 'val', perClass: 1, imageSize: 32 });
    exportTinyImageNet(root, { train, val, test: new SynthObjects({ split: 'test', perClass: 1, imageSize: 32 }) });
    const rt = TinyImageNet.open(root, 'train', { channels: 1 });
    expect(rt.wnids[3]).toBe(syntheticWnid(3));
    expect(rt.classNames).toEqual(train.classNames);
    expect(rt.size).toBe(20);
    // Class c's n-th image is synth item n·10 + c.
    const s = rt.get(2 * 3 + 1);
    const want = train.get(1 * 10 + 3);
    expect(s.label).toBe(3);
    expectClose(s.data, want.data, { atol: 0.5 / 255 + 1e-6, rtol: 0 }, 'exported pixels');
    expect(rt.box(7)).toEqual(train.box(13));
    const rv = TinyImageNet.open(root, 'val');
    expect(rv.size).toBe(10);
    expect(Array.from(rv.labels)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(rv.box(4)).toEqual(val.box(4));
    expect(() => exportTinyImageNet(join(tmp(), 'w'), { train, wnids: ['b', 'a', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] }))
      .toThrow(/sort/);
  });
});
