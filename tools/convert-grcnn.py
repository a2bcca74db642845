#!/usr/bin/python3
"""Converts a PyTorch GRCNN checkpoint (.pth: a state_dict, or a dict with 'state_dict', as the Brain-Score submission's
model_best_cutmix_v1_v2.pth) into cortexgpu's safetensors format. Parameter names are kept (ours follow the PyTorch
module tree); DataParallel's 'module.' prefix is dropped; int64 num_batches_tracked becomes int32.

Usage: /usr/bin/python3 tools/convert-grcnn.py model.pth weights.safetensors
Then: GRCNN(...).loadStateDict(readSafetensors('weights.safetensors').tensors)."""
import json, struct, sys
import numpy as np
import torch

def write_safetensors(tensors, path, metadata=None):
    header, blobs, offset = {'__metadata__': metadata or {}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu()
        if t.dtype == torch.int64:
            t = t.to(torch.int32)
        elif t.is_floating_point():
            t = t.to(torch.float32)
        # t.contiguous(), not np.ascontiguousarray: the latter turns 0-d tensors (num_batches_tracked) into 1-d.
        a = t.contiguous().numpy().astype('<' + t.numpy().dtype.str[1:], copy=False)
        dtype = {'float32': 'F32', 'int32': 'I32'}[str(a.dtype)]
        b = a.tobytes()
        header[name] = {'dtype': dtype, 'shape': list(a.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)

def convert(state_dict, path, metadata=None):
    if 'state_dict' in state_dict:
        state_dict = state_dict['state_dict']
    clean = {(k[7:] if k.startswith('module.') else k): v for k, v in state_dict.items()}
    write_safetensors(clean, path, {'format': 'pt', 'source': 'tools/convert-grcnn.py', **(metadata or {})})
    return clean

if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ckpt = torch.load(sys.argv[1], map_location='cpu')
    n = len(convert(ckpt, sys.argv[2]))
    print(f'wrote {sys.argv[2]}: {n} tensors')
