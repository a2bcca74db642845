#!/usr/bin/python3
"""A small neural assembly in exactly Brain-Score's file layout, for the loader test (test/score/assembly.test.ts):
brainio's `write_netcdf` (a NeuronRecordingAssembly with its MultiIndex coords reset, `DataArray.to_netcdf` via
netCDF4, dims presentation × neuroid × time_bin) and a stimulus set CSV (stimulus_id, filename, object_name,
variation, …) beside a folder of PNG images. Uses Debian's python3-xarray/python3-netcdf4
(tools/install-fixture-deps.sh). Run: /usr/bin/python3 tools/gen-assembly-fixture.py"""
import hashlib, json, os, sys
import numpy as np
import pandas as pd
import xarray as xr
from PIL import Image

out = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/assembly-mini'
os.makedirs(os.path.join(out, 'images'), exist_ok=True)
rng = np.random.RandomState(3)
S, R, K = 12, 3, 5
objects = ['car', 'face', 'chair']
stim = pd.DataFrame({
    'stimulus_id': [f'im{i:03d}' for i in range(S)],
    'filename': [f'im{i:03d}.png' for i in range(S)],
    'object_name': [objects[i % 3] for i in range(S)],
    'variation': [0 if i < 8 else 6 for i in range(S)],
})
for i, f in enumerate(stim['filename']):
    Image.fromarray((rng.rand(16, 16) * 255).astype(np.uint8), mode='L').save(os.path.join(out, 'images', f))
stim.to_csv(os.path.join(out, 'stimulus_set.csv'), index=False)

# Presentations in recording order: repetition-major, then a stimulus order that is not sorted.
order = rng.permutation(S)
pres = [(stim['stimulus_id'][i], r) for r in range(R) for i in order]
data = rng.poisson(5, size=(len(pres), K, 1)).astype(np.float64)
asm = xr.DataArray(data, dims=['presentation', 'neuroid', 'time_bin'], coords={
    'stimulus_id': ('presentation', [p[0] for p in pres]),
    'repetition': ('presentation', [p[1] for p in pres]),
    'object_name': ('presentation', [stim.set_index('stimulus_id')['object_name'][p[0]] for p in pres]),
    'variation': ('presentation', [int(stim.set_index('stimulus_id')['variation'][p[0]]) for p in pres]),
    'neuroid_id': ('neuroid', [f'n{k}' for k in range(K)]),
    'region': ('neuroid', ['IT'] * 3 + ['V4'] * 2),
    'animal': ('neuroid', ['Chabo'] * K),
    'time_bin_start': ('time_bin', [70]),
    'time_bin_end': ('time_bin', [170]),
})
asm.attrs['stimulus_set_identifier'] = 'mini.hvm'
asm.to_netcdf(os.path.join(out, 'assembly.nc'), engine='netcdf4')
script = open(__file__, 'rb').read()
expected = {'script': 'tools/gen-assembly-fixture.py', 'script_sha256': hashlib.sha256(script).hexdigest(),
            'shape': list(data.shape), 'data': data.ravel().tolist(), 'stimulus_id': [p[0] for p in pres],
            'repetition': [p[1] for p in pres], 'region': ['IT'] * 3 + ['V4'] * 2}
with open(os.path.join(out, 'expected.json'), 'w') as fh:
    json.dump(expected, fh)
print(f'wrote {out}')
