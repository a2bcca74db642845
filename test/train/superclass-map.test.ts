import { describe, expect, it } from 'vitest';
import { IMAGENET_WNIDS } from '../../src/data/imagenet-wnids.js';
import { GEIRHOS_16, groupByName, groupByWnid, RESTRICTED_IMAGENET } from '../../src/data/superclasses.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { superclassMap, type DataSplits } from '../../src/train/setup.js';
import { superclassWeights } from '../../src/train/losses.js';
import { ConfigError } from '../../src/errors.js';
import type { Dataset } from '../../src/data/dataset.js';

// Classes named by wnid, as Tiny ImageNet's and an ImageNet folder's are: goldfish (index 1, no Geirhos category),
// airliner (404, airplane), tabby (281, cat in both maps), cleaver (499, knife), Chihuahua (151: a dog for
// RestrictedImageNet, none of Geirhos's 109 dog indices).
const WNIDS = ['n01443537', 'n02690373', 'n02123045', 'n03041632', 'n02085620'];
const NAMES = ['goldfish', 'airliner', 'tabby', 'cleaver', 'Chihuahua'];

function splits(classIds: readonly string[], classNames: readonly string[] = classIds): DataSplits {
  const ds: Dataset = { size: classIds.length, numClasses: classIds.length, classNames, get: () => { throw new Error('unused'); } };
  return { train: ds, val: ds, superclasses: null, classIds, channels: 3, size: 64 };
}

const cfg = (superclass: Record<string, unknown>) => parseTrainConfig({
  data: { kind: 'tiny-imagenet', root: '/unused' }, train: { superclass: { weight: 0.5, ...superclass } },
});

describe('superclass maps for wnid-named classes', () => {
  it('the ImageNet wnid list is the sorted ILSVRC-2012 order the published indices refer to', () => {
    expect(IMAGENET_WNIDS.length).toBe(1000);
    expect(new Set(IMAGENET_WNIDS).size).toBe(1000);
    expect([...IMAGENET_WNIDS]).toEqual([...IMAGENET_WNIDS].sort());
    // model-vs-human human_categories.py: airplane = n02690373 (index 404), knife = n03041632 (index 499).
    expect([IMAGENET_WNIDS[0], IMAGENET_WNIDS[404], IMAGENET_WNIDS[499], IMAGENET_WNIDS[999]])
      .toEqual(['n01440764', 'n02690373', 'n03041632', 'n15075141']);
  });

  it('groups classes by wnid, Geirhos and RestrictedImageNet alike', () => {
    const g = groupByWnid(GEIRHOS_16, WNIDS);
    expect(g.superclasses.names).toEqual(GEIRHOS_16.names);
    const of = (c: number) => g.superclasses.members.findIndex((m) => m.includes(c));
    expect([0, 1, 2, 3, 4].map((c) => (of(c) < 0 ? null : g.superclasses.names[of(c)]))).toEqual([null, 'airplane', 'cat', 'knife', null]);
    expect(g.unmapped).toEqual([0, 4]);
    const r = groupByWnid(RESTRICTED_IMAGENET, WNIDS);
    expect(r.unmapped).toEqual([0, 1, 3]);
    expect(r.superclasses.members[r.superclasses.names.indexOf('dog')]).toEqual([4]);
    // The whole of ImageNet regroups to exactly the published index lists.
    expect(groupByWnid(GEIRHOS_16, IMAGENET_WNIDS).superclasses.members).toEqual(GEIRHOS_16.members);
  });

  it('a map by name groups folders; a name that is no class, or a class in two superclasses, is an error', () => {
    const g = groupByName({ pets: ['tabby', 'Chihuahua'], fish: ['goldfish'] }, NAMES);
    expect(g.superclasses).toEqual({ names: ['pets', 'fish'], members: [[2, 4], [0]] });
    expect(g.unmapped).toEqual([1, 3]);
    expect(() => groupByName({ pets: ['tabbby'] }, NAMES)).toThrow(/'tabbby' is none of the 5 classes/);
    expect(() => groupByName({ a: ['tabby'], b: ['tabby'] }, NAMES)).toThrow(/'tabby' is in 'a' and 'b'/);
  });

  it('train.superclass reaches the maps from a config; classes in no superclass stop the run naming the field', () => {
    const data = splits(WNIDS, NAMES);
    const err = (() => { try { superclassMap(cfg({ map: 'geirhos-16' }), data); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/^train\.superclass\.map: class 'n01443537 \(goldfish\)' is in no superclass of 'geirhos-16' \(and 1 more of the 5\).*train\.superclass\.unmapped/);
    const m = superclassMap(cfg({ map: 'geirhos-16', unmapped: 'skip' }), data)!;
    expect(m.k).toBe(16);
    expect(Array.from(m.superOf)).toEqual([-1, 0, 7, 13, -1]);
    const own = superclassMap(cfg({ map: { pets: ['n02123045', 'n02085620'] }, unmapped: 'skip' }), data)!;
    expect(Array.from(own.superOf)).toEqual([-1, -1, 0, -1, 0]);
    expect(() => superclassMap(cfg({ map: { pets: ['tabby'] } }), data)).toThrow(/^train\.superclass\.map: superclass 'pets': 'tabby' is none of the 5 classes/);
    // Folders that are not wnids match nothing; a data set without its own grouping needs a map named.
    expect(() => superclassMap(cfg({ map: 'restricted-imagenet', unmapped: 'skip' }), splits(['cats', 'dogs'])))
      .toThrow(/train\.superclass\.map: none of the 2 classes \(cats, …\) is in a superclass of 'restricted-imagenet'; it matches classes by WordNet id/);
    expect(() => superclassMap(cfg({}), data)).toThrow(/train\.superclass\.map: data 'tiny-imagenet' ships no superclass grouping/);
    expect(superclassMap(parseTrainConfig({ data: { kind: 'tiny-imagenet', root: '/unused' } }), data)).toBeNull();
    expect(() => parseTrainConfig({ train: { superclass: { map: 'imagenet-11' } } })).toThrow(/field 'train.superclass.map'/);
  });

  it('superclass targets follow CutMix: λ at the pasted-on class\'s superclass, 1 − λ at the other\'s', () => {
    const superOf = Int32Array.from([0, 1, -1]);
    // Hard labels: 1/valid at each valid sample's superclass.
    expect(Array.from(superclassWeights(Int32Array.from([0, 2, 1]), superOf, 2))).toEqual([0.5, 0, 0, 0, 0, 0.5]);
    // Sample 0 = 0.7·class 0 + 0.3·class 1; sample 1 = 0.6·class 2 (none) + 0.4·class 0: mass 1.4.
    const targets = Float32Array.from([0.7, 0.3, 0, 0.4, 0, 0.6]);
    const w = superclassWeights(Int32Array.from([0, 2]), superOf, 2, targets);
    [0.7 / 1.4, 0.3 / 1.4, 0.4 / 1.4, 0].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 6));
    // One-hot soft targets give exactly the hard-label weights.
    expect(Array.from(superclassWeights(Int32Array.from([0, 2, 1]), superOf, 2, Float32Array.from([1, 0, 0, 0, 0, 1, 0, 1, 0]))))
      .toEqual([0.5, 0, 0, 0, 0, 0.5]);
  });
});
