import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rasterize, type ObjectShape } from '../../src/data/object-shapes.js';
import { SYNTH_OBJECT_CLASSES } from '../../src/data/superclasses.js';
import { SynthObjects } from '../../src/data/synth-objects.js';
import { synthTexture, TEXTURE_FAMILIES } from '../../src/data/textures.js';

/** Area of the circle r = 0.8 at distance d = 0.45 inside the unit circle (lens formula). */
function lens(R: number, r: number, d: number): number {
  const a = r * r * Math.acos((d * d + r * r - R * R) / (2 * d * r));
  const b = R * R * Math.acos((d * d + R * R - r * r) / (2 * d * R));
  return a + b - 0.5 * Math.sqrt((-d + r + R) * (d + r - R) * (d - r + R) * (d + r + R));
}
const PLUS_A = 0.3;
const PLUS_L = Math.sqrt(1 - 0.09);
const L_S = Math.SQRT1_2;
const L_T = 0.8 * L_S;
/** Areas at circumradius 1. */
const AREA: Record<ObjectShape, number> = {
  disk: Math.PI,
  ring: Math.PI * (1 - 0.55 ** 2),
  square: 2,
  triangle: (3 * Math.sqrt(3)) / 4,
  hexagon: (3 * Math.sqrt(3)) / 2,
  star: 10 * 0.5 * 0.45 * Math.sin(Math.PI / 5),
  plus: 8 * PLUS_L * PLUS_A - 4 * PLUS_A ** 2,
  bar: 1.2,
  'l-shape': 4 * L_S * L_T - L_T ** 2,
  crescent: Math.PI - lens(1, 0.8, 0.45),
};

describe('object shapes', () => {
  it('rasterised coverage matches each analytic area at any rotation', () => {
    for (const shape of SYNTH_OBJECT_CLASSES) {
      for (const theta of [0, 0.7, 2.9]) {
        const m = rasterize(shape, { cx: 32.3, cy: 31.6, radius: 20, theta }, 64, 64);
        const area = m.reduce((a, b) => a + b, 0);
        expect(area / (AREA[shape] * 400), `${shape} θ=${theta}`).toBeCloseTo(1, 1);
        expect(Math.abs(area / (AREA[shape] * 400) - 1), `${shape} θ=${theta}`).toBeLessThan(0.02);
      }
    }
  });
});

describe('synth-objects-64', () => {
  const train = new SynthObjects();

  it('has the profile sizes, balanced interleaved labels and the superclass grouping', () => {
    expect(train.size).toBe(400);
    expect(new SynthObjects({ split: 'val' }).size).toBe(100);
    expect(new SynthObjects({ profile: 'full' }).size).toBe(5000);
    expect(new SynthObjects({ split: 'test', profile: 'full' }).size).toBe(500);
    expect(new SynthObjects({ perClass: 3 }).size).toBe(30);
    expect(train.classNames).toEqual([...SYNTH_OBJECT_CLASSES]);
    expect(train.superclasses.members.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([0, 13, 399].map((i) => train.get(i).label)).toEqual([0, 3, 9]);
    expect(() => train.get(400)).toThrow(RangeError);
  });

  it('is a pure function of (seed, split, index)', () => {
    const a = train.get(17);
    expect(new SynthObjects().get(17).data).toEqual(a.data);
    expect(new SynthObjects({ perClass: 2 }).get(17).data).toEqual(a.data);
    expect(new SynthObjects({ seed: 1 }).get(17).data).not.toEqual(a.data);
    expect(new SynthObjects({ split: 'val' }).get(17).data).not.toEqual(a.data);
    expect(train.get(27).data).not.toEqual(a.data);
  });

  it('images are 1×64×64 in [0, 1]; masks, boxes and luminance follow the spec', () => {
    let ordered = 0;
    const n = 40;
    for (let i = 0; i < n; i++) {
      const o = train.render(i);
      expect(o.image.length).toBe(64 * 64);
      expect(o.image.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(o.mask).toEqual(train.mask(i));
      expect(o.box).toEqual(train.box(i));
      const [x0, y0, x1, y1] = o.box;
      let inside = 0;
      let outsideBox = 0;
      let fig = 0;
      let nf = 0;
      let bg = 0;
      let nb = 0;
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const m = o.mask[y * 64 + x];
          if (m > 0) { inside++; if (x < x0 || x > x1 || y < y0 || y > y1) outsideBox++; }
          if (m === 1) { fig += o.image[y * 64 + x]; nf++; }
          if (m === 0) { bg += o.image[y * 64 + x]; nb++; }
        }
      }
      expect(outsideBox).toBe(0);
      const r = o.pose.radius;
      expect(r >= 12 && r <= 22).toBe(true);
      expect(Math.abs(o.pose.cx - 32) <= 8 && Math.abs(o.pose.cy - 32) <= 8).toBe(true);
      expect(inside / (AREA[SYNTH_OBJECT_CLASSES[o.label]] * r * r)).toBeGreaterThan(0.9);
      expect(Math.abs(o.figure.mean - o.ground.mean)).toBeGreaterThanOrEqual(0.1);
      for (const part of [o.figure, o.ground]) expect(part.rms >= 0.05 && part.rms <= 0.2).toBe(true);
      if ((fig / nf - bg / nb) * (o.figure.mean - o.ground.mean) > 0) ordered++;
    }
    expect(ordered / n).toBeGreaterThan(0.9);
  });

  it('the hard subset allows figure/ground differences down to .03', () => {
    const hard = new SynthObjects({ hard: true, perClass: 10 });
    const deltas = Array.from({ length: 100 }, (_, i) => hard.render(i)).map((o) => Math.abs(o.figure.mean - o.ground.mean));
    expect(Math.min(...deltas)).toBeGreaterThanOrEqual(0.03);
    expect(Math.min(...deltas)).toBeLessThan(0.1);
  });

  it('an rms range sets the texture contrast and leaves pose, labels and luminance as they were', () => {
    const faint = new SynthObjects({ perClass: 10, rms: [0.01, 0.02] });
    for (let i = 0; i < 20; i++) {
      const a = faint.render(i);
      const b = train.render(i);
      for (const part of [a.figure, a.ground]) expect(part.rms >= 0.01 && part.rms <= 0.02).toBe(true);
      expect(a.pose).toEqual(b.pose);
      expect([a.figure.mean, a.ground.mean, a.figure.family]).toEqual([b.figure.mean, b.ground.mean, b.figure.family]);
    }
    expect(() => new SynthObjects({ rms: [0.2, 0.1] })).toThrow(/rms range/);
  });

  it('scales pose with imageSize', () => {
    const small = new SynthObjects({ imageSize: 32 });
    const o = small.render(5);
    expect(o.image.length).toBe(32 * 32);
    expect(o.pose.radius >= 6 && o.pose.radius <= 11).toBe(true);
    expect(small.get(5).shape).toEqual([1, 32, 32]);
  });

  it('matches the canonical 8-bit digests (data.md §7: any generator change must be deliberate)', () => {
    const bytes = (a: Float32Array) => Uint8Array.from(a, (v) => Math.round(v * 255));
    const objects = createHash('sha256');
    for (let i = 0; i < 10; i++) objects.update(bytes(train.get(i).data));
    expect(objects.digest('hex')).toBe('f7bf9fe4f7e429d400eb0067c41c43a23ba398aebe86a69b1059913f5a26240b');
    const textures = createHash('sha256');
    for (const f of TEXTURE_FAMILIES) textures.update(bytes(synthTexture(0, f, 0, 64)));
    expect(textures.digest('hex')).toBe('6b270577eb4a5fe5185a858fabbc037a9b6ee025ce093cab2d6c2e9c89979739');
  });
});
