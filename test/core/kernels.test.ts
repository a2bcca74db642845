import { describe, expect, it } from 'vitest';
import { useEngine } from '../helpers/engine.js';
import { allEntries, entryInfo, kernelSource } from '../../src/gpu/kernels.js';
import { kernelSources } from '../../src/gpu/kernel-sources.gen.js';
import { packParams } from '../../src/gpu/params.js';
import { readFileSync, readdirSync } from 'node:fs';

const eng = useEngine();

describe('kernels', () => {
  it('the embedded sources are up to date with kernels/*.wgsl', () => {
    const files = readdirSync('kernels').filter((f) => f.endsWith('.wgsl')).map((f) => f.replace(/\.wgsl$/, ''));
    expect(Object.keys(kernelSources).filter((k) => !k.startsWith('lib/')).sort()).toEqual(files.sort());
    for (const f of files) {
      const raw = readFileSync(`kernels/${f}.wgsl`, 'utf8').replace(/^\/\/! import .*$/gm, '');
      expect(kernelSource(f).includes(raw.trim().split('\n').slice(-3).join('\n')), `${f} stale`).toBe(true);
    }
  });

  // 8 is WebGPU's default maxStorageBuffersPerShaderStage. The `_multi` entry points (foreach optimiser updates,
  // several parameters per dispatch) bind more and are chosen only where the device's limit allows them
  // (Optimizer.fitsSlots); everything else must run on a default-limits device.
  it('every entry point compiles, uses ≤ 8 storage buffers (a _multi variant: ≤ 16) and one params uniform, and is named <file>_<phase>', async () => {
    const e = eng();
    const entries = allEntries();
    expect(entries.length).toBeGreaterThan(5);
    for (const { file, entry } of entries) {
      expect(entry.startsWith(file.replace(/-/g, '_') + '_'), `${file}:${entry} naming`).toBe(true);
      const info = entryInfo(file, entry);
      expect(info.bindings.filter((b) => b.kind === 'storage').length, `${file}:${entry}`).toBeLessThanOrEqual(entry.endsWith('_multi') ? 16 : 8);
      expect(info.bindings.filter((b) => b.kind === 'uniform').length, `${file}:${entry}`).toBeLessThanOrEqual(1);
    }
    let done = 0;
    await e.runtime.pipelines.warmup(entries, (d) => { done = d; });
    expect(done).toBe(entries.length);
  });

  it('every kernel file opens with a header naming its bindings and grid', () => {
    for (const f of readdirSync('kernels').filter((x) => x.endsWith('.wgsl'))) {
      const head = readFileSync(`kernels/${f}`, 'utf8').split('\n').slice(0, 40).join('\n');
      expect(head, f).toMatch(/^\/\//);
      expect(head, `${f} header: bindings`).toMatch(/bindings?/i);
      expect(head, `${f} header: dispatch grid`).toMatch(/grid|dispatch/i);
    }
  });

  it('params are packed at the reflected offsets; unknown or missing fields fail naming the kernel', () => {
    const info = entryInfo('reduce', 'reduce_serial');
    const view = new DataView(new ArrayBuffer(256));
    const z = new Array(8).fill(0);
    packParams(info, { n_out: 5, r: 3, op: 1, out_rank: 2, red_rank: 1, scale: 0.5, chunk: 3, n_chunks: 1, out_shape: [9, 8], out_strides: z, red_shape: z, red_strides: z }, view, 0);
    expect(view.getUint32(0, true)).toBe(5);
    expect(view.getFloat32(info.params!.fields.get('scale')!.offset, true)).toBe(0.5);
    expect(view.getUint32(info.params!.fields.get('out_shape')!.offset + 4, true)).toBe(8);
    expect(() => packParams(info, { n_out: 1 }, view, 0)).toThrow(/reduce:reduce_serial: missing param r/);
    expect(() => packParams(info, { bogus: 1 } as never, view, 0)).toThrow(/missing param|no field bogus/);
    expect(() => packParams(info, { n_out: -1, r: 1, op: 0, out_rank: 0, red_rank: 0, scale: 1, chunk: 1, n_chunks: 1, out_shape: z, out_strides: z, red_shape: z, red_strides: z }, view, 0)).toThrow(/n_out\[0\] = -1 is not a u32/);
  });
});
