/**
 * View 3: the norm-constrained reconstruction of the image from one layer (src/analysis/reconstruct.ts), one
 * GPU step per animation frame, the current image drawn every `every` steps. The norm is the image's own (in
 * model-input units), so the reconstruction lies on the sphere the image does.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GRCNN } from '../models/grcnn.js';
import { Reconstruction } from '../analysis/reconstruct.js';
import { normStats } from '../data/transforms.js';
import { modelInput } from './model.js';
import { drawImage, nextFrame } from './draw.js';

export interface ReconstructionRun { steps: number; losses: number[]; image: Float32Array }

export async function runReconstruction(engine: Engine, model: GRCNN, image: Tensor, layer: string, steps: number,
  canvas: HTMLCanvasElement, info: HTMLElement, cancelled: () => boolean, every = 2): Promise<ReconstructionRun | null> {
  const [, c, h, w] = image.shape;
  const x0 = engine.noGrad(() => engine.scope(() => modelInput(image))).keep();
  const host = (await x0.read()) as Float32Array;
  const norm = Math.sqrt(host.reduce((s, v) => s + v * v, 0));
  const rec = new Reconstruction(model, layer, x0, { norms: [norm] });
  const [mean, std] = normStats(c);
  const n = h * w;
  // Back to [0, 1] for display (the inverse of train's normalisation).
  const show = (x: Float32Array) => x.map((v, i) => v * std[Math.floor(i / n)] + mean[Math.floor(i / n)]);
  const losses: number[] = [];
  let last = show(host);
  try {
    while (rec.steps < steps) {
      rec.step();
      engine.flush();
      if (rec.steps % every === 0 || rec.steps === steps) {
        const s = await rec.snapshot();
        last = show(s.images);
        losses.push(s.losses[0]);
        drawImage(canvas, last, c, h, w);
        info.textContent = `layer ${layer}: step ${rec.steps} of ${steps}, loss ${s.losses[0].toExponential(3)} (‖x‖ = ${norm.toFixed(2)})`;
      }
      await nextFrame();
      if (cancelled()) return null;
    }
  } finally {
    rec.dispose();
    x0.dispose();
  }
  return { steps: rec.steps, losses, image: last };
}
