/**
 * Repeated responses as stored by neuralset-v0 and Cadena's file: [reps, images, neurons], NaN where a repeat was
 * not recorded. Every metric uses, per neuron and image, only the recorded repeats.
 */
import { ShapeError } from '../errors.js';

export interface RepeatedResponses {
  /** C-order [reps, images, neurons]; NaN = missing repeat. */
  data: ArrayLike<number>;
  reps: number;
  images: number;
  neurons: number;
}

export function repeated(data: ArrayLike<number>, shape: readonly [number, number, number]): RepeatedResponses {
  const [reps, images, neurons] = shape;
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new ShapeError(`repeated: invalid shape [${shape.join(', ')}]`);
  if (data.length !== reps * images * neurons) {
    throw new ShapeError(`repeated: ${data.length} values for shape [${shape.join(', ')}]`);
  }
  return { data, reps, images, neurons };
}

/** Checks predictions of shape [images, neurons] against the responses; `op` names the metric in errors. */
export function checkPredictions(op: string, resp: RepeatedResponses, pred: ArrayLike<number>): void {
  if (pred.length !== resp.images * resp.neurons) {
    throw new ShapeError(`${op}: predictions have ${pred.length} values, responses [${resp.reps}, ${resp.images}, ${resp.neurons}] need [${resp.images}, ${resp.neurons}]`);
  }
}

/** Recorded trials of one neuron for one image, written into `out`; returns how many. */
export function trialsOf(resp: RepeatedResponses, image: number, neuron: number, out: Float64Array): number {
  const { data, reps, images, neurons } = resp;
  let n = 0;
  for (let r = 0; r < reps; r++) {
    const v = data[(r * images + image) * neurons + neuron];
    if (!Number.isNaN(v)) out[n++] = v;
  }
  return n;
}

/** Mean over the recorded repeats, [images, neurons]; NaN where an image has none. */
export function repeatMean(resp: RepeatedResponses): Float64Array {
  const { images, neurons } = resp;
  const out = new Float64Array(images * neurons);
  const buf = new Float64Array(resp.reps);
  for (let i = 0; i < images; i++) {
    for (let k = 0; k < neurons; k++) {
      const n = trialsOf(resp, i, k, buf);
      let s = 0;
      for (let j = 0; j < n; j++) s += buf[j];
      out[i * neurons + k] = n > 0 ? s / n : NaN;
    }
  }
  return out;
}

/** The same responses restricted to the given image positions, in that order. */
export function selectImages(resp: RepeatedResponses, indices: ArrayLike<number>): RepeatedResponses {
  const { reps, images, neurons, data } = resp;
  const out = new Float64Array(reps * indices.length * neurons);
  for (let q = 0; q < reps; q++) {
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j];
      if (!(i >= 0 && i < images)) throw new ShapeError(`selectImages: image index ${i} outside [0, ${images})`);
      for (let k = 0; k < neurons; k++) out[(q * indices.length + j) * neurons + k] = data[(q * images + i) * neurons + k];
    }
  }
  return { data: out, reps, images: indices.length, neurons };
}
