import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { f32, normal, uniform } from '../helpers/rng.js';
import { expectClose } from '../helpers/close.js';
import { spectralControl } from '../../src/analysis/spectral.js';
import { ShapeError } from '../../src/errors.js';
import { amplitudeTransferRef, dft2, toComplex } from '../../src/ref/fft.js';

const eng = useEngine();

async function control(recon: Float64Array, reconShape: number[], orig: Float64Array, origShape: number[]): Promise<Float32Array> {
  const e = eng();
  const r = e.tensor(Float32Array.from(recon), reconShape);
  const o = e.tensor(Float32Array.from(orig), origShape);
  const y = spectralControl(r, o);
  const out = (await y.read()) as Float32Array;
  for (const t of [r, o, y]) t.dispose();
  return out;
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, a) => s + a * a, 0));

describe('spectral control', () => {
  const [n, k, c, h, w] = [2, 3, 2, 8, 16];
  const plane = h * w;
  const per = c * plane;
  // Reconstructions at K norms of N noisy originals: smooth-ish content plus noise, different scales per norm.
  const orig = f32(uniform(n * per, 7));
  const recon = f32(normal(n * k * per, 8).map((v, i) => v * (1 + Math.floor(i / per) % k)));

  it('matches the f64 amplitude transfer of each reconstruction onto its own original', async () => {
    const got = await control(recon, [n * k, c, h, w], orig, [n, c, h, w]);
    const want = new Float64Array(n * k * per);
    for (let b = 0; b < n * k; b++) {
      const img = Math.floor(b / k);
      want.set(amplitudeTransferRef(orig.subarray(img * per, (img + 1) * per), recon.subarray(b * per, (b + 1) * per),
        { batch: c, h, w }), b * per);
    }
    expectClose(got, want, { atol: 2e-5, rtol: 1e-4 }, 'spectral control');
  });

  it("keeps the reconstruction's amplitude and norm and the original's phase", async () => {
    const got = await control(recon, [n * k, c, h, w], orig, [n, c, h, w]);
    for (let b = 0; b < n * k; b++) {
      const img = Math.floor(b / k);
      const out = got.subarray(b * per, (b + 1) * per);
      expect(norm(out), `row ${b} norm`).toBeCloseTo(norm(recon.subarray(b * per, (b + 1) * per)), 3);
      const fy = dft2(toComplex(out), { batch: c, h, w });
      const fr = dft2(toComplex(recon.subarray(b * per, (b + 1) * per)), { batch: c, h, w });
      const fo = dft2(toComplex(orig.subarray(img * per, (img + 1) * per)), { batch: c, h, w });
      const amp = (z: Float64Array, i: number) => Math.hypot(z[2 * i], z[2 * i + 1]);
      for (let i = 0; i < per; i++) {
        expect(Math.abs(amp(fy, i) - amp(fr, i)), `row ${b} |F| at ${i}`).toBeLessThan(1e-3 * (1 + amp(fr, i)));
        // Phase is only defined where both spectra have some power.
        if (amp(fo, i) < 1e-3 || amp(fr, i) < 1e-2) continue;
        const cos = (fy[2 * i] * fo[2 * i] + fy[2 * i + 1] * fo[2 * i + 1]) / (amp(fy, i) * amp(fo, i));
        expect(cos, `row ${b} phase at ${i}`).toBeGreaterThan(1 - 1e-5);
      }
    }
  });

  it('pairs one-to-one when K = 1 and names both shapes on a mismatch', async () => {
    const got = await control(recon.subarray(0, n * per), [n, c, h, w], orig, [n, c, h, w]);
    const want = amplitudeTransferRef(orig, recon.subarray(0, n * per), { batch: n * c, h, w });
    expectClose(got, want, { atol: 2e-5, rtol: 1e-4 }, 'K = 1');
    const e = eng();
    const a = e.tensor(new Float32Array(5 * per), [5, c, h, w]);
    const b = e.tensor(new Float32Array(2 * per), [2, c, h, w]);
    expect(() => spectralControl(a, b)).toThrow(ShapeError);
    expect(() => spectralControl(a, b)).toThrow(/\[5, 2, 8, 16\].*\[2, 2, 8, 16\]/);
    a.dispose();
    b.dispose();
  });
});
