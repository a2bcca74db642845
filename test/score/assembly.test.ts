/** The assembly loader on a fixture in Brain-Score's exact layout (tools/gen-assembly-fixture.py, xarray → netCDF4). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAssembly, readStimulusSet, regionResponses } from '../../src/score/assembly.js';

const dir = new URL('../fixtures/assembly-mini/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));

describe('Brain-Score assembly files', () => {
  it('reads the data variable, its dims and every coordinate', async () => {
    const a = await readAssembly(join(dir, 'assembly.nc'));
    expect(a.dims).toEqual(['presentation', 'neuroid', 'time_bin']);
    expect(a.shape).toEqual(expected.shape);
    expect(Array.from(a.data)).toEqual(expected.data);
    expect(a.coords.presentation.stimulus_id).toEqual(expected.stimulus_id);
    expect(a.coords.presentation.repetition).toEqual(expected.repetition);
    expect(a.coords.neuroid.region).toEqual(expected.region);
    expect(a.coords.time_bin.time_bin_start).toEqual([70]);
    expect(a.attrs.stimulus_set_identifier).toBe('mini.hvm');
  });
  it('groups one region into [repetitions, stimuli, neuroids] in the assembly order', async () => {
    const a = await readAssembly(join(dir, 'assembly.nc'));
    const r = regionResponses(a, 'V4', [70, 170]);
    expect(r.neuroidIds).toEqual(['n3', 'n4']);
    expect(r.responses.reps).toBe(3);
    expect(r.stimulusIds).toEqual(expected.stimulus_id.slice(0, 12));
    // Presentation 13 is repetition 1 of the second stimulus; neuroid n4 is column 4 of 5.
    expect(r.responses.data[(1 * 12 + 1) * 2 + 1]).toBe(expected.data[13 * 5 + 4]);
    expect(() => regionResponses(a, 'V1')).toThrow(/no neuroids in region 'V1'.*IT, V4/);
    expect(() => regionResponses(a, 'IT', [0, 50])).toThrow(/no time bins inside 0–50 ms/);
  });
  it('reads the stimulus set CSV and rejects broken files by name', async () => {
    const s = readStimulusSet(join(dir, 'stimulus_set.csv'));
    expect(s.rows).toHaveLength(12);
    expect(s.byId.get('im004')?.object_name).toBe('face');
    const tmp = mkdtempSync(join(tmpdir(), 'asm-'));
    writeFileSync(join(tmp, 'bad.nc'), 'not hdf5');
    await expect(readAssembly(join(tmp, 'bad.nc'))).rejects.toThrow(/bad\.nc: not a netCDF4\/HDF5 file/);
    writeFileSync(join(tmp, 's.csv'), 'id,file\n1,a.png\n');
    expect(() => readStimulusSet(join(tmp, 's.csv'))).toThrow(/s\.csv: no 'stimulus_id' column/);
  });
});
