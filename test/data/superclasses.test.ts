import { describe, expect, it } from 'vitest';
import {
  classToSuperclass, GEIRHOS_16, poolProbabilities, RESTRICTED_IMAGENET, SYNTH_OBJECT_CLASSES, SYNTH_OBJECTS_SUPERCLASSES,
} from '../../src/data/superclasses.js';

// dog_indices exactly as printed in model-vs-human human_categories.py.
const DOG = [152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172,
  173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 193, 194, 195, 196,
  197, 198, 199, 200, 201, 202, 203, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220,
  221, 222, 223, 224, 225, 226, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 243, 244, 245,
  246, 247, 248, 249, 250, 252, 253, 254, 255, 256, 257, 259, 261, 262, 263, 265, 266, 267, 268];

describe('superclasses', () => {
  it('Geirhos 16: sorted names, the published member counts, disjoint', () => {
    expect([...GEIRHOS_16.names]).toEqual([...GEIRHOS_16.names].sort());
    const count = (n: string) => GEIRHOS_16.members[GEIRHOS_16.names.indexOf(n)].length;
    expect(count('bird')).toBe(49);
    expect(count('dog')).toBe(109);
    expect(GEIRHOS_16.members[GEIRHOS_16.names.indexOf('dog')]).toEqual(DOG);
    const map = classToSuperclass(GEIRHOS_16, 1000);
    expect(map[404]).toBe(0);
    expect(map[192]).toBe(-1);
    expect(Array.from(map).filter((s) => s >= 0).length).toBe(GEIRHOS_16.members.flat().length);
  });

  it('RestrictedImageNet ranges are inclusive', () => {
    const m = classToSuperclass(RESTRICTED_IMAGENET, 1000);
    expect([m[150], m[151], m[268], m[269]]).toEqual([-1, 0, 0, -1]);
    expect(RESTRICTED_IMAGENET.members.map((x) => x.length)).toEqual([118, 5, 3, 5, 21, 18, 9, 4, 20]);
  });

  it('synth-objects grouping covers every class once and pools probabilities', () => {
    const m = classToSuperclass(SYNTH_OBJECTS_SUPERCLASSES, SYNTH_OBJECT_CLASSES.length);
    expect(Array.from(m).every((s) => s >= 0)).toBe(true);
    const probs = Float32Array.from([0.1, 0.2, 0, 0, 0, 0, 0, 0.3, 0.1, 0.3]);
    expect(Array.from(poolProbabilities(probs, 1, SYNTH_OBJECTS_SUPERCLASSES, 'sum'))).toEqual(
      [0.6, 0, 0, 0.4].map(Math.fround));
    expect(poolProbabilities(probs, 1, SYNTH_OBJECTS_SUPERCLASSES, 'mean')[0]).toBeCloseTo(0.2, 6);
    expect(() => classToSuperclass({ names: ['a', 'b'], members: [[0], [0]] }, 2)).toThrow(/'a' and 'b'/);
    expect(() => classToSuperclass({ names: ['a'], members: [[5]] }, 2)).toThrow(/outside/);
  });
});
