#!/usr/bin/python3
"""The bench's workloads in PyTorch, and our/PyTorch ratios.

    /usr/bin/python3 bench/torch_ref.py [--ours bench/results.json] [--repeat 5] [--quick] [--out bench/torch_ref.json]

Runs, with the shapes and graphs of bench/*.bench.ts: matmul 1024^3; conv 3x3 fwd and fwd+bwd on x [16, 64, 32, 32],
w [64, 64, 3, 3]; conv 1x1 and 3x3/2 fwd+bwd; the GRCL proxy step (a = conv(relu(bn(x))), g = conv(relu(bn(x))) +
conv(relu(bn(u))), x' = x + sigmoid(g) * a, batch-statistics BN) fwd and fwd+bwd. On CUDA each workload runs in f32
with TF32 off and again with TF32 on; on the CPU in f32 with torch's default thread count. Each figure is the median
wall time of --repeat runs after 2 warm-ups, with torch.cuda.synchronize() inside the clock. With --ours (a JSON from
`node bench`), prints for every row both ran: our ms, PyTorch ms and ours / PyTorch (> 1: PyTorch is faster).
--quick uses the shapes of `node bench --quick`.
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn.functional as F


def shapes(quick):
    # bench/conv2d.bench.ts CONV_SHAPE / CONV_SHAPE_QUICK; bench/matmul.bench.ts
    return ({'n': 2, 'c': 16, 'h': 16, 'w': 16, 'k': 16}, 128) if quick else ({'n': 16, 'c': 64, 'h': 32, 'w': 32, 'k': 64}, 1024)


def workloads(dev, quick):
    s, m = shapes(quick)
    g = torch.Generator(device='cpu').manual_seed(0)

    def t(*shape, grad=False, scale=1.0):
        x = ((torch.rand(*shape, generator=g) * 2 - 1) * scale).to(dev)
        return x.requires_grad_(grad)

    out = {}
    a, b = t(m, m), t(m, m)
    out[('matmul', f'{m}×{m}×{m}')] = lambda: a @ b

    def conv(name, k, stride, pad, backward):
        x = t(s['n'], s['c'], s['h'], s['w'], grad=backward)
        w = t(s['k'], s['c'], k, k, grad=backward, scale=0.1)
        ho = (s['h'] + 2 * pad - k) // stride + 1
        wo = (s['w'] + 2 * pad - k) // stride + 1
        dy = t(s['n'], s['k'], ho, wo)

        def run():
            y = F.conv2d(x, w, stride=stride, padding=pad)
            if backward:
                torch.autograd.grad(y, [x, w], dy)
        out[('conv2d', name)] = run

    conv('3×3 fwd', 3, 1, 1, False)
    conv('3×3 fwd+bwd', 3, 1, 1, True)
    conv('1×1 fwd+bwd', 1, 1, 0, True)
    conv('3×3/2 fwd+bwd', 3, 2, 1, True)

    def grcl(backward):
        act = (s['n'], s['c'], s['h'], s['w'])
        u, x = t(*act, grad=backward), t(*act, grad=backward)
        ws = [t(s['c'], s['c'], 3, 3, grad=backward, scale=0.1) for _ in range(3)]
        gammas = [torch.ones(s['c'], device=dev) for _ in range(3)]
        betas = [torch.zeros(s['c'], device=dev) for _ in range(3)]
        dy = t(*act)

        def pre(v, i):
            return F.relu(F.batch_norm(v, None, None, gammas[i], betas[i], training=True))

        def run():
            a_ = F.conv2d(pre(x, 0), ws[0], padding=1)
            g_ = F.conv2d(pre(x, 1), ws[1], padding=1) + F.conv2d(pre(u, 2), ws[2], padding=1)
            y = x + torch.sigmoid(g_) * a_
            if backward:
                torch.autograd.grad(y, [u, x, *ws], dy)
        out[('grcl', 'step fwd+bwd' if backward else 'step fwd')] = run

    grcl(False)
    grcl(True)
    return out


def measure(fn, repeat, cuda):
    def once():
        t0 = time.perf_counter()
        with torch.set_grad_enabled(True):
            fn()
        if cuda:
            torch.cuda.synchronize()
        return (time.perf_counter() - t0) * 1000
    for _ in range(2):
        once()
    return statistics.median(once() for _ in range(repeat))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--ours', help='JSON written by `node bench` (default bench/results.json when it exists)')
    p.add_argument('--repeat', type=int, default=5)
    p.add_argument('--quick', action='store_true')
    p.add_argument('--out', default=os.path.join(os.path.dirname(__file__), 'torch_ref.json'))
    args = p.parse_args()
    cuda = torch.cuda.is_available()
    dev = 'cuda' if cuda else 'cpu'
    modes = [('f32, TF32 off', False), ('f32, TF32 on', True)] if cuda else [('f32', False)]
    device = torch.cuda.get_device_name() if cuda else f'CPU, {torch.get_num_threads()} thread(s)'
    rows = []
    for label, tf32 in modes:
        if cuda:
            torch.backends.cuda.matmul.allow_tf32 = tf32
            torch.backends.cudnn.allow_tf32 = tf32
        for (stem, name), fn in workloads(dev, args.quick).items():
            ms = measure(fn, args.repeat, cuda)
            rows.append({'stem': stem, 'name': name, 'mode': label, 'ms': ms})
            print(f'{stem} {name} [{label}]: {ms:.2f} ms', flush=True)
    result = {'torch': torch.__version__, 'device': device, 'quick': args.quick, 'load': list(os.getloadavg()), 'rows': rows}
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
    ours_path = args.ours or os.path.join(os.path.dirname(__file__), 'results.json')
    if not os.path.exists(ours_path):
        print(f'(no {ours_path}: run `node bench` first for the ratios)')
        return
    with open(ours_path) as f:
        ours = {(r['stem'], r['name']): r['wallMs'] for r in json.load(f)['rows']}
    print(f'\nours ({ours_path}) vs PyTorch {torch.__version__} on {device}')
    print('| workload | mode | ours ms | PyTorch ms | ours / PyTorch |')
    print('|---|---|---|---|---|')
    for r in rows:
        mine = ours.get((r['stem'], r['name']))
        if mine is not None:
            print(f"| {r['stem']} {r['name']} | {r['mode']} | {mine:.1f} | {r['ms']:.2f} | {mine / r['ms']:.1f}× |")


if __name__ == '__main__':
    main()
