/** The `activations` export: NPY per layer or one safetensors file, with the stimulus ids, equal to extractActivations. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activationsCommand } from '../../src/cli/activations.js';
import { readNpy } from '../../src/data/npy.js';
import { readSafetensors } from '../../src/io/safetensors.js';

describe('activations export', () => {
  it('NPY and safetensors hold the same [stimuli, features] arrays and the ids', async () => {
    const a = mkdtempSync(join(tmpdir(), 'acts-')), b = mkdtempSync(join(tmpdir(), 'acts-'));
    const args = { model: 'grcnn-small', layers: ['layer1.x1', 'avgpool'], count: 3 };
    await activationsCommand({ ...args, out: a });
    await activationsCommand({ ...args, out: b, format: 'safetensors' });
    const npy = readNpy(join(a, 'avgpool.npy'));
    expect(npy.shape).toEqual([3, 128]);
    expect(readNpy(join(a, 'layer1.x1.npy')).shape).toEqual([3, 16 * 64 * 64]);
    const st = readSafetensors(join(b, 'activations.safetensors'));
    expect(Array.from(st.tensors.get('avgpool')!.data)).toEqual(Array.from(npy.data as Float32Array));
    expect(JSON.parse(st.metadata.stimulus_ids)).toEqual(readFileSync(join(a, 'stimulus_ids.txt'), 'utf8').trim().split('\n'));
    await expect(activationsCommand({ ...args, out: a, format: 'csv' as 'npy' })).rejects.toThrow(/--format must be npy or safetensors/);
  }, 120_000);
});
