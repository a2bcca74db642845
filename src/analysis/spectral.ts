/**
 * The "spectral control" of Safarani et al. 2021 §4: the Fourier amplitude of a reconstruction on the phase of
 * the original (noisy) image, Re ifft2(|F(recon)|·F(orig)/|F(orig)|) per [H, W] plane. It has the
 * reconstruction's power spectrum, hence its norm (Parseval), and the original's structure: if a model only
 * reweighted frequencies, its reconstruction and the control would match.
 */
import type { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import { amplitudeTransfer } from '../ops/fft.js';
import { expand, reshape } from '../ops/movement.js';

/**
 * Spectral controls [N·K, C, H, W] of reconstructions [N·K, C, H, W] (image-major, as a Reconstruction lays them
 * out) from originals [N, C, H, W]; K = 1 when both have the same shape. H and W must be powers of two (FFT).
 */
export function spectralControl(recon: Tensor, original: Tensor): Tensor {
  if (recon.rank !== 4 || original.rank !== 4 || recon.shape.slice(1).some((d, i) => d !== original.shape[i + 1])
    || recon.shape[0] % original.shape[0] !== 0) {
    throw new ShapeError(`spectralControl: reconstructions ${recon.describe()} are not K × originals ${original.describe()}`);
  }
  const e = recon.engine;
  const k = recon.shape[0] / original.shape[0];
  if (k === 1) return amplitudeTransfer(original, recon);
  return e.scope(() => {
    const [n, ...rest] = original.shape;
    const tiled = reshape(expand(reshape(original, [n, 1, ...rest]), [n, k, ...rest]), recon.shape);
    return amplitudeTransfer(tiled, recon);
  });
}
