/**
 * Class → superclass groupings as data: Geirhos et al.'s 16 entry-level categories (bethgelab model-vs-human
 * `human_categories.py`, used by Brain-Score's LabelBehavior), Tsipras et al.'s RestrictedImageNet
 * (MadryLab/robustness `tools/constants.py`, inclusive ranges), and the grouping of synth-objects-64.
 */
import { DataError } from './dataset.js';
import { IMAGENET_WNIDS } from './imagenet-wnids.js';

export interface Superclasses {
  names: readonly string[];
  /** Member class indices of each superclass. */
  members: readonly (readonly number[])[];
}

const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/** ImageNet-1k indices of the 16 categories; a prediction is the argmax of the per-category mean probability. */
export const GEIRHOS_16: Superclasses = {
  names: ['airplane', 'bear', 'bicycle', 'bird', 'boat', 'bottle', 'car', 'cat', 'chair', 'clock', 'dog',
    'elephant', 'keyboard', 'knife', 'oven', 'truck'],
  members: [
    [404],
    [294, 295, 296, 297],
    [444, 671],
    [8, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 22, 23, 24, 80, 81, 82, 83, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96,
      98, 99, 100, 127, 128, 129, 130, 131, 132, 133, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145],
    [472, 554, 625, 814, 914],
    [440, 720, 737, 898, 899, 901, 907],
    [436, 511, 817],
    [281, 282, 283, 284, 285, 286],
    [423, 559, 765, 857],
    [409, 530, 892],
    [...range(152, 191), ...range(193, 203), ...range(205, 226), ...range(228, 241), ...range(243, 250),
      ...range(252, 257), 259, ...range(261, 263), 265, 266, 267, 268],
    [385, 386],
    [508, 878],
    [499],
    [766],
    [555, 569, 656, 675, 717, 734, 864, 867],
  ],
};

/** RestrictedImageNet's 9 superclasses ("classes 151-268" etc., both ends included). */
export const RESTRICTED_IMAGENET: Superclasses = {
  names: ['dog', 'cat', 'frog', 'turtle', 'bird', 'primate', 'fish', 'crab', 'insect'],
  members: [range(151, 268), range(281, 285), range(30, 32), range(33, 37), range(80, 100), range(365, 382),
    range(389, 397), range(118, 121), range(300, 319)],
};

/** synth-objects-64 classes in label order (see synth-objects.ts). */
export const SYNTH_OBJECT_CLASSES = [
  'disk', 'ring', 'square', 'triangle', 'hexagon', 'star', 'plus', 'bar', 'l-shape', 'crescent',
] as const;

/** Curved outlines, convex polygons, radial branches, elongated limbs. */
export const SYNTH_OBJECTS_SUPERCLASSES: Superclasses = {
  names: ['curved', 'polygon', 'branched', 'elongated'],
  members: [[0, 1, 9], [2, 3, 4], [5, 6], [7, 8]],
};

/** A grouping of one data set's classes, and the classes it leaves in no superclass. */
export interface ClassGrouping { superclasses: Superclasses; unmapped: number[] }

/**
 * An ImageNet-indexed map (GEIRHOS_16, RESTRICTED_IMAGENET) regrouped onto classes named by WordNet id, as
 * Tiny ImageNet's wnids and ImageNet's `train/<wnid>/` folders are: each class joins the superclass its wnid is in.
 * Every published superclass keeps its name, even where none of these classes falls in it.
 */
export function groupByWnid(map: Superclasses, classIds: readonly string[]): ClassGrouping {
  const superOfWnid = new Map<string, number>();
  map.members.forEach((ms, s) => { for (const i of ms) superOfWnid.set(IMAGENET_WNIDS[i], s); });
  return groupBy(map.names, classIds.map((id) => superOfWnid.get(id) ?? -1));
}

/** A map written as { superclass: [class ids] } for one data set; an id naming none of its classes is an error. */
export function groupByName(map: Readonly<Record<string, readonly string[]>>, classIds: readonly string[]): ClassGrouping {
  const names = Object.keys(map);
  const superOf = new Array<number>(classIds.length).fill(-1);
  names.forEach((name, s) => {
    for (const id of map[name]) {
      const c = classIds.indexOf(id);
      if (c < 0) throw new DataError(`superclass '${name}': '${id}' is none of the ${classIds.length} classes (${classIds.slice(0, 3).join(', ')}, …)`);
      if (superOf[c] >= 0) throw new DataError(`class '${id}' is in '${names[superOf[c]]}' and '${name}'`);
      superOf[c] = s;
    }
  });
  return groupBy(names, superOf);
}

function groupBy(names: readonly string[], superOf: readonly number[]): ClassGrouping {
  const members = names.map(() => [] as number[]);
  const unmapped: number[] = [];
  superOf.forEach((s, c) => (s >= 0 ? members[s].push(c) : unmapped.push(c)));
  return { superclasses: { names, members }, unmapped };
}

/** Superclass index of every class, −1 for classes in none; a class in two superclasses is an error. */
export function classToSuperclass(map: Superclasses, numClasses: number): Int32Array {
  const out = new Int32Array(numClasses).fill(-1);
  map.members.forEach((ms, s) => {
    for (const c of ms) {
      if (!(c >= 0 && c < numClasses)) throw new DataError(`superclass '${map.names[s]}': class ${c} outside ${numClasses}`);
      if (out[c] >= 0) throw new DataError(`class ${c} is in '${map.names[out[c]]}' and '${map.names[s]}'`);
      out[c] = s;
    }
  });
  return out;
}

/**
 * Pools class probabilities [n, numClasses] into superclass scores [n, S]: 'mean' as Geirhos/Brain-Score
 * decide, 'sum' for the probability of the superclass (the regulariser's p_S).
 */
export function poolProbabilities(probs: Float32Array, n: number, map: Superclasses, reduce: 'mean' | 'sum'): Float32Array {
  const k = probs.length / n;
  if (!Number.isInteger(k)) throw new DataError(`poolProbabilities: ${probs.length} values for ${n} rows`);
  const s = map.members.length;
  const out = new Float32Array(n * s);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < s; j++) {
      let acc = 0;
      for (const c of map.members[j]) acc += probs[i * k + c];
      out[i * s + j] = reduce === 'mean' ? acc / map.members[j].length : acc;
    }
  }
  return out;
}
