/**
 * The 10 outline classes of synth-objects-64 as point-in-shape tests in unit coordinates (circumradius 1),
 * and their supersampled rasterisation to a coverage mask.
 */
import { SYNTH_OBJECT_CLASSES } from './superclasses.js';

export type ObjectShape = (typeof SYNTH_OBJECT_CLASSES)[number];

export interface Pose {
  /** Centre in pixels (pixel edges at integers). */
  cx: number;
  cy: number;
  /** Circumradius in pixels. */
  radius: number;
  /** Rotation in radians, counter-clockwise on screen. */
  theta: number;
}

const HALF_SQUARE = Math.SQRT1_2;
const BAR_HALF = 3 / Math.sqrt(10);
const PLUS_HALF_WIDTH = 0.3;
const PLUS_ARM = Math.sqrt(1 - PLUS_HALF_WIDTH ** 2);
const L_STROKE = 0.8 * HALF_SQUARE;
/** 5-point star vertices, alternating radius 1 and 0.45, first point up. */
const starVertex = (k: number, f: (a: number) => number) => (k % 2 === 0 ? 1 : 0.45) * f(Math.PI / 2 + (k * Math.PI) / 5);
const STAR_X = Float64Array.from({ length: 10 }, (_, k) => starVertex(k, Math.cos));
const STAR_Y = Float64Array.from({ length: 10 }, (_, k) => starVertex(k, Math.sin));

/** Edge normals of the regular n-gon with a vertex at angle π/2. */
function normals(n: number): { nx: Float64Array; ny: Float64Array; apothem: number } {
  const a = (k: number) => Math.PI / 2 + ((2 * k + 1) * Math.PI) / n;
  return {
    nx: Float64Array.from({ length: n }, (_, k) => Math.cos(a(k))),
    ny: Float64Array.from({ length: n }, (_, k) => Math.sin(a(k))),
    apothem: Math.cos(Math.PI / n),
  };
}
const TRIANGLE = normals(3);
const HEXAGON = normals(6);

/** Inside a convex polygon when no edge's support function is exceeded. */
function inPolygon(p: { nx: Float64Array; ny: Float64Array; apothem: number }, u: number, v: number): boolean {
  for (let k = 0; k < p.nx.length; k++) if (u * p.nx[k] + v * p.ny[k] > p.apothem) return false;
  return true;
}

/** Even–odd crossing test against the star's 10 vertices. */
function inStar(u: number, v: number): boolean {
  let inside = false;
  for (let i = 0, j = 9; i < 10; j = i++) {
    const yi = STAR_Y[i];
    const yj = STAR_Y[j];
    if (yi > v !== yj > v && u < ((STAR_X[j] - STAR_X[i]) * (v - yi)) / (yj - yi) + STAR_X[i]) inside = !inside;
  }
  return inside;
}

/** Whether unit-frame point (u, v) (v up) lies inside `shape`. */
export function insideShape(shape: ObjectShape, u: number, v: number): boolean {
  const r2 = u * u + v * v;
  if (r2 > 1) return false;
  switch (shape) {
    case 'disk': return true;
    case 'ring': return r2 >= 0.55 * 0.55;
    case 'square': return Math.abs(u) <= HALF_SQUARE && Math.abs(v) <= HALF_SQUARE;
    case 'triangle': return inPolygon(TRIANGLE, u, v);
    case 'hexagon': return inPolygon(HEXAGON, u, v);
    case 'star': return inStar(u, v);
    case 'plus':
      return (Math.abs(u) <= PLUS_ARM && Math.abs(v) <= PLUS_HALF_WIDTH)
        || (Math.abs(u) <= PLUS_HALF_WIDTH && Math.abs(v) <= PLUS_ARM);
    case 'bar': return Math.abs(u) <= BAR_HALF && Math.abs(v) <= BAR_HALF / 3;
    case 'l-shape':
      return Math.abs(u) <= HALF_SQUARE && Math.abs(v) <= HALF_SQUARE
        && (u <= -HALF_SQUARE + L_STROKE || v <= -HALF_SQUARE + L_STROKE);
    case 'crescent': return (u - 0.45) ** 2 + v * v > 0.8 * 0.8;
  }
}

/** Fraction of each pixel inside the posed shape, from ss×ss subsamples; row-major [h·w]. */
export function rasterize(shape: ObjectShape, pose: Pose, h: number, w: number, ss = 4): Float32Array {
  const out = new Float32Array(h * w);
  const cos = Math.cos(pose.theta);
  const sin = Math.sin(pose.theta);
  const inv = 1 / pose.radius;
  const y0 = Math.max(0, Math.floor(pose.cy - pose.radius));
  const y1 = Math.min(h, Math.ceil(pose.cy + pose.radius));
  const x0 = Math.max(0, Math.floor(pose.cx - pose.radius));
  const x1 = Math.min(w, Math.ceil(pose.cx + pose.radius));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      let hits = 0;
      for (let j = 0; j < ss; j++) {
        // Screen y grows downwards; the unit frame has v up, so counter-clockwise stays counter-clockwise.
        const dy = pose.cy - (y + (j + 0.5) / ss);
        for (let i = 0; i < ss; i++) {
          const dx = x + (i + 0.5) / ss - pose.cx;
          if (insideShape(shape, (dx * cos + dy * sin) * inv, (dy * cos - dx * sin) * inv)) hits++;
        }
      }
      out[y * w + x] = hits / (ss * ss);
    }
  }
  return out;
}
