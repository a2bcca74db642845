#!/usr/bin/env python3
"""Conv-RNN parity fixtures (float64 PyTorch), written from the authors' semantics as checked by running
neuroailab/convrnns@b76a44d and neuroailab/tnn@c8248b7 (cells.py ReciprocalGateCell, median_rgcell.py,
ConvLSTMCell, ConvNormBasicCell, cell_utils.harbor/residual_add, main.unroll), independently of the TypeScript.

Two 3-node graphs, each with one feedback edge, unrolled T steps with the image at every step (no blank, so no
tied max-pool windows):
  rgc:      n1 conv 4x4/2 -> n2 median RGC (ff 2x2, in->out 3x3 + bias, out_residual with 1x1 projection, tanh gate,
            separable 3x3 tau/gate, feedback 'out' by a 1x1 conv + bias) -> maxpool -> n3 cells.py RGC (3x3 full
            tau/gate clamped to the 2x2 map, residual_to_out_gate, no temporal biases); feedback n3 -> n2.
  standard: n1 conv -> n2 ConvLSTM (2x2 filter, layer norm, peepholes with the old c in the out gate) -> maxpool ->
            n3 ConvNormBasicCell (layer norm); feedback n3 -> n2 enters through n2's pre-memory conv over the
            whole harbor.
Writes test/fixtures/convrnn-<case>.json: the model spec (the TS schema), parameters, input, the loss weights R,
every node's output at every step, and d loss / d parameter for loss = sum_t sum(out_n3[t] * R[t]).
"""
import hashlib, json, math, os, sys
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT_HASH = hashlib.sha256(open(__file__, 'rb').read()).hexdigest()


def same_pad(size, k, s):
    out = math.ceil(size / s)
    need = max((out - 1) * s + k - size, 0)
    return need // 2, need - need // 2


def conv_same(x, w, b=None, stride=1, groups=1):
    kh, kw = w.shape[2], w.shape[3]
    t, bo = same_pad(x.shape[2], kh, stride)
    l, r = same_pad(x.shape[3], kw, stride)
    return F.conv2d(F.pad(x, (l, r, t, bo)), w, b, stride=stride, groups=groups)


def maxpool_same(x, k, s):
    t, bo = same_pad(x.shape[2], k, s)
    l, r = same_pad(x.shape[3], k, s)
    return F.max_pool2d(F.pad(x, (l, r, t, bo), value=-math.inf), k, s)


def resize(x, h, w):
    if x.shape[2] == h and x.shape[3] == w:
        return x
    return F.interpolate(x, size=(h, w), mode='bilinear', align_corners=True)


def layer_norm(x, g, b):
    m = x.mean(dim=(1, 2, 3), keepdim=True)
    v = ((x - m) ** 2).mean(dim=(1, 2, 3), keepdim=True)
    return (x - m) / torch.sqrt(v + 1e-12) * g.view(1, -1, 1, 1) + b.view(1, -1, 1, 1)


def sep(P, name, x, bias=True):
    dw = conv_same(x, P[name + '.depthwise.weight'], None, groups=x.shape[1])
    return F.conv2d(dw, P[name + '.pointwise.weight'], P[name + '.bias'] if bias else None)


# ---- cells -----------------------------------------------------------------------------------------------

def median_rgc(P, x, r, fb, state, cfg):
    """median_rgcell.py with tau/gate separable: c_t, h_t from c_{t-1}, h_{t-1}."""
    c0, h0 = state
    x = F.elu(x)  # input_activation
    uc = conv_same(x, P['cell.input_to_cell.weight'], P['cell.input_to_cell.bias'])
    tau_c = cfg['a_tau'] + cfg['k_tau'] * torch.sigmoid(sep(P, 'cell.tau', c0))
    gate_c = cfg['a_g'] + cfg['k_g'] * torch.tanh(sep(P, 'cell.gate', h0))
    c = F.elu(tau_c * c0 + gate_c * uc)
    uh = conv_same(x, P['out.input_to_out.weight'], P['out.input_to_out.bias'])
    # residual_add: channels differ -> 1x1 projection of r (no bias).
    uh = uh + F.conv2d(resize(r, uh.shape[2], uh.shape[3]), P['out.residual_add.weight'])
    if fb is not None:
        uh = uh + conv_same(fb, P['out.feedback.weight'], P['out.feedback.bias'])  # identity activation
    tau_h = cfg['a_tau'] + cfg['k_tau'] * torch.sigmoid(sep(P, 'out.tau', h0))
    gate_h = cfg['a_g'] + cfg['k_g'] * torch.tanh(sep(P, 'out.gate', c0))
    h = F.elu(tau_h * h0 + gate_h * uh)
    return h, [c, h]


def cells_rgc(P, x, r, fb, state):
    """cells.py ReciprocalGateCell as rgc_shallow sets it (a=1, k=-1, sigmoid, no temporal conv biases)."""
    c0, h0 = state
    uc = conv_same(x, P['cell.input_to_cell.weight'])
    c = F.elu((1 - torch.sigmoid(conv_same(c0, P['cell.tau.weight']))) * c0
              + (1 - torch.sigmoid(conv_same(h0, P['cell.gate.weight']))) * uc)
    uh = x
    g_pre = conv_same(c0, P['out.gate.weight']) + conv_same(r, P['out.residual_to_out_gate.weight'])
    h = F.elu((1 - torch.sigmoid(conv_same(h0, P['out.tau.weight']))) * h0 + (1 - torch.sigmoid(g_pre)) * uh)
    return h, [c, h]


def lstm(P, x, state, forget_bias):
    c0, h0 = state
    z = conv_same(torch.cat([x, h0], 1), P['cell.conv.weight'], P['cell.conv.bias'])
    i, j, f, o = torch.chunk(z, 4, 1)
    i = layer_norm(i, P['cell.input.weight'], P['cell.input.bias'])
    j = layer_norm(j, P['cell.transform.weight'], P['cell.transform.bias'])
    f = layer_norm(f, P['cell.forget.weight'], P['cell.forget.bias'])
    o = layer_norm(o, P['cell.output.weight'], P['cell.output.bias'])
    wf, wi, wo = P['cell.peepholes.w_f_diag'], P['cell.peepholes.w_i_diag'], P['cell.peepholes.w_o_diag']
    c = c0 * torch.sigmoid(f + forget_bias + wf * c0) + torch.sigmoid(i + wi * c0) * torch.tanh(j)
    c = layer_norm(c, P['cell.state.weight'], P['cell.state.bias'])
    h = torch.tanh(c) * torch.sigmoid(o + wo * c0)  # the output peephole reads the OLD c
    return h, [c, h]


def basic(P, x, state):
    h0 = state[0]
    pre = conv_same(x, P['cell.i.weight'], P['cell.i.bias']) + conv_same(h0, P['cell.s.weight'], P['cell.s.bias'])
    h = F.elu(layer_norm(pre, P['cell.layer_norm.weight'], P['cell.layer_norm.bias']))
    return h, [h]


# ---- the two cases ---------------------------------------------------------------------------------------

VS = {'kind': 'variance_scaling', 'scale': 1}


def pre_conv(k, out, act, stride=1):
    return {'op': 'conv', 'kernel': k, 'stride': stride, 'out': out, 'padding': 'SAME', 'activation': act, 'init': VS, 'decay': 1e-4}


MEM = {'kind': 'memory', 'decay': 0, 'trainable': False}
POOL = {'op': 'maxpool', 'kernel': 2, 'stride': 2, 'padding': 'SAME'}
A_TAU, A_G = 0.9219348064291611, 0.7006566684988862


def rgc_case():
    median = {
        'kind': 'rgc', 'form': 'median', 'cellDepth': 3,
        'tau': {'kernel': 3, 'separable': True, 'nonlinearity': 'sigmoid', 'offset': A_TAU, 'multiplier': -A_TAU, 'bias': 4.147},
        'gate': {'kernel': 3, 'separable': True, 'nonlinearity': 'tanh', 'offset': A_G, 'multiplier': -A_G, 'bias': 2.777},
        'ff': {'kernel': 2, 'separable': False}, 'inputToCell': True, 'cellResidual': False,
        'inputToOut': {'kernel': 3, 'separable': False}, 'cellToOut': False, 'outResidual': True, 'residualToOutGate': False,
        'feedback': {'entry': 'out', 'kernel': 1, 'separable': False, 'activation': 'identity'},
        'inputActivation': 'elu', 'cellActivation': 'elu', 'outActivation': 'elu', 'kernelInit': VS, 'weightDecay': 2e-4,
    }
    g = {'kernel': 3, 'separable': False, 'nonlinearity': 'sigmoid', 'offset': 1, 'multiplier': -1, 'bias': 0}
    cells = {
        'kind': 'rgc', 'form': 'cells', 'cellDepth': 5, 'tau': g, 'gate': g, 'ff': {'kernel': 3, 'separable': False},
        'inputToCell': True, 'cellResidual': False, 'inputToOut': None, 'cellToOut': False, 'outResidual': False,
        'residualToOutGate': True, 'feedback': {'entry': 'out', 'kernel': 1, 'separable': False, 'activation': 'identity'},
        'inputActivation': 'identity', 'cellActivation': 'elu', 'outActivation': 'elu', 'kernelInit': {'kind': 'xavier'}, 'weightDecay': 1e-4,
    }
    spec = {
        'name': 'parity_rgc', 'input': {'channels': 1, 'size': 8},
        'nodes': [
            {'name': 'n1', 'inputName': 'input', 'pre': [pre_conv(4, 3, 'elu', 2)], 'cell': MEM, 'post': []},
            {'name': 'n2', 'inputName': 'n1', 'pre': [pre_conv(3, 4, 'identity')], 'cell': median, 'post': [POOL]},
            {'name': 'n3', 'inputName': 'n2', 'pre': [pre_conv(2, 5, 'elu')], 'cell': cells, 'post': []},
        ],
        'edges': [['n1', 'n2'], ['n2', 'n3'], ['n3', 'n2']], 'output': 'n3', 'times': 4, 'imageOff': 4, 'blank': 0.5,
    }
    shapes = {
        'n1.pre.weight': [3, 1, 4, 4], 'n1.pre.bias': [3],
        'n2.pre.weight': [4, 3, 3, 3], 'n2.pre.bias': [4],
        'n2.cell.cell.input_to_cell.weight': [3, 4, 2, 2], 'n2.cell.cell.input_to_cell.bias': [3],
        'n2.cell.cell.tau.depthwise.weight': [3, 1, 3, 3], 'n2.cell.cell.tau.pointwise.weight': [3, 3, 1, 1], 'n2.cell.cell.tau.bias': [3],
        'n2.cell.cell.gate.depthwise.weight': [4, 1, 3, 3], 'n2.cell.cell.gate.pointwise.weight': [3, 4, 1, 1], 'n2.cell.cell.gate.bias': [3],
        'n2.cell.out.input_to_out.weight': [4, 4, 3, 3], 'n2.cell.out.input_to_out.bias': [4],
        'n2.cell.out.tau.depthwise.weight': [4, 1, 3, 3], 'n2.cell.out.tau.pointwise.weight': [4, 4, 1, 1], 'n2.cell.out.tau.bias': [4],
        'n2.cell.out.gate.depthwise.weight': [3, 1, 3, 3], 'n2.cell.out.gate.pointwise.weight': [4, 3, 1, 1], 'n2.cell.out.gate.bias': [4],
        'n2.cell.out.feedback.weight': [4, 5, 1, 1], 'n2.cell.out.feedback.bias': [4],
        'n2.cell.out.residual_add.weight': [4, 3, 1, 1],
        'n3.pre.weight': [5, 4, 2, 2], 'n3.pre.bias': [5],
        # 3x3 temporal kernels on a 2x2 map: _conv clamps them to 2x2.
        'n3.cell.cell.input_to_cell.weight': [5, 5, 2, 2], 'n3.cell.cell.tau.weight': [5, 5, 2, 2], 'n3.cell.cell.gate.weight': [5, 5, 2, 2],
        'n3.cell.out.tau.weight': [5, 5, 2, 2], 'n3.cell.out.gate.weight': [5, 5, 2, 2], 'n3.cell.out.residual_to_out_gate.weight': [5, 4, 2, 2],
    }
    cfg = {'a_tau': A_TAU, 'k_tau': -A_TAU, 'a_g': A_G, 'k_g': -A_G}

    def step(node, P, ins, state):
        if node == 'n1':
            return F.elu(conv_same(ins[0], P['n1.pre.weight'], P['n1.pre.bias'], stride=2)), state
        sub = {k[len(node) + 6:]: v for k, v in P.items() if k.startswith(node + '.cell.')}
        if node == 'n2':
            ff = resize(ins[0], 4, 4)
            fb = resize(ins[1], 4, 4)
            x = conv_same(ff, P['n2.pre.weight'], P['n2.pre.bias'])
            h, st = median_rgc(sub, x, ff, fb, state, cfg)
            return maxpool_same(h, 2, 2), st
        ff = resize(ins[0], 2, 2)
        x = F.elu(conv_same(ff, P['n3.pre.weight'], P['n3.pre.bias']))
        return cells_rgc(sub, x, ff, None, state)

    nodes = {'n1': (['input'], (3, 4, 4), None), 'n2': (['n1', 'n3'], (4, 2, 2), [(3, 4, 4), (4, 4, 4)]),
             'n3': (['n2'], (5, 2, 2), [(5, 2, 2), (5, 2, 2)])}
    return spec, shapes, nodes, step


def standard_case():
    lstm_cfg = {'kind': 'lstm', 'outDepth': 4, 'filter': 2, 'layerNorm': True, 'forgetBias': 0.978, 'peepholes': True,
                'biasInit': 0, 'kernelInit': VS, 'weightDecay': 1e-4}
    basic_cfg = {'kind': 'basic', 'outDepth': 3, 'filter': 3, 'layerNorm': True, 'forgetBias': 1, 'peepholes': False,
                 'biasInit': 0, 'kernelInit': VS, 'weightDecay': 1e-4}
    spec = {
        'name': 'parity_standard', 'input': {'channels': 1, 'size': 8},
        'nodes': [
            {'name': 'n1', 'inputName': 'input', 'pre': [pre_conv(3, 3, 'elu', 2)], 'cell': MEM, 'post': []},
            {'name': 'n2', 'inputName': 'n1', 'pre': [pre_conv(3, 5, 'identity')], 'cell': lstm_cfg, 'post': [POOL]},
            {'name': 'n3', 'inputName': 'n2', 'pre': [pre_conv(3, 4, 'identity')], 'cell': basic_cfg, 'post': []},
        ],
        'edges': [['n1', 'n2'], ['n2', 'n3'], ['n3', 'n2']], 'output': 'n3', 'times': 4, 'imageOff': 4, 'blank': 0.5,
    }
    shapes = {
        'n1.pre.weight': [3, 1, 3, 3], 'n1.pre.bias': [3],
        # n2's harbor is [n1 (3), n3 (3)] in sorted order, all through one pre-memory conv.
        'n2.pre.weight': [5, 6, 3, 3], 'n2.pre.bias': [5],
        'n2.cell.conv.weight': [16, 9, 2, 2], 'n2.cell.conv.bias': [16],
        'n3.pre.weight': [4, 4, 3, 3], 'n3.pre.bias': [4],
        'n3.cell.s.weight': [3, 3, 3, 3], 'n3.cell.s.bias': [3], 'n3.cell.i.weight': [3, 4, 3, 3], 'n3.cell.i.bias': [3],
        'n3.cell.layer_norm.weight': [3], 'n3.cell.layer_norm.bias': [3],
    }
    for n in ['input', 'transform', 'forget', 'output', 'state']:
        shapes[f'n2.cell.{n}.weight'] = [4]
        shapes[f'n2.cell.{n}.bias'] = [4]
    for g in ['w_f_diag', 'w_i_diag', 'w_o_diag']:
        shapes[f'n2.cell.peepholes.{g}'] = [4, 4, 4]

    def step(node, P, ins, state):
        if node == 'n1':
            return F.elu(conv_same(ins[0], P['n1.pre.weight'], P['n1.pre.bias'], stride=2)), state
        sub = {k[len(node) + 1:]: v for k, v in P.items() if k.startswith(node + '.')}
        if node == 'n2':
            harbor = torch.cat([resize(t, 4, 4) for t in ins], 1)
            x = conv_same(harbor, P['n2.pre.weight'], P['n2.pre.bias'])
            h, st = lstm(sub, x, state, 0.978)
            return maxpool_same(h, 2, 2), st
        x = conv_same(resize(ins[0], 2, 2), P['n3.pre.weight'], P['n3.pre.bias'])
        return basic(sub, x, state)

    nodes = {'n1': (['input'], (3, 4, 4), None), 'n2': (['n1', 'n3'], (4, 2, 2), [(4, 4, 4), (4, 4, 4)]),
             'n3': (['n2'], (3, 2, 2), [(3, 2, 2)])}
    return spec, shapes, nodes, step


def run(name, case, seed):
    spec, shapes, nodes, step = case()
    g = torch.Generator().manual_seed(seed)
    P = {}
    for k, s in shapes.items():
        scale = 0.25 if k.endswith('.bias') else 0.6
        base = 1.0 if (k.endswith('.weight') and len(s) == 1) else 0.0  # layer-norm gammas around 1
        P[k] = (base + scale * (2 * torch.rand(s, generator=g) - 1)).requires_grad_(True)
    N, T = 2, spec['times']
    x = 2 * torch.rand((N, 1, 8, 8), generator=g) - 1
    outs = {n: [] for n in nodes}
    prev = {n: torch.zeros((N,) + nodes[n][1]) for n in nodes}
    states = {n: [torch.zeros((N,) + s) for s in nodes[n][2]] if nodes[n][2] else [] for n in nodes}
    R = 2 * torch.rand((T, N) + nodes['n3'][1], generator=g) - 1
    loss = 0
    for t in range(T):
        now = {}
        for n in ['n1', 'n2', 'n3']:
            ins = [x if s == 'input' else prev[s] for s in nodes[n][0]]
            out, states[n] = step(n, P, ins, states[n])
            now[n] = out
            outs[n].append(out)
        prev = now
        loss = loss + (now['n3'] * R[t]).sum()
    loss.backward()
    flat = lambda t: [float(v) for v in t.detach().reshape(-1)]
    fx = {
        'script': 'tools/gen-convrnn-fixture.py', 'script_sha256': SCRIPT_HASH, 'torch': torch.__version__, 'seed': seed,
        'spec': spec, 'input': {'shape': list(x.shape), 'data': flat(x)}, 'R': {'shape': list(R.shape), 'data': flat(R)},
        'params': {k: {'shape': list(v.shape), 'data': flat(v)} for k, v in P.items()},
        'outputs': {n: [flat(o) for o in outs[n]] for n in outs}, 'output_shapes': {n: list(outs[n][0].shape) for n in outs},
        'loss': float(loss), 'grads': {k: flat(v.grad) for k, v in P.items()},
    }
    path = os.path.join(HERE, '..', 'test', 'fixtures', f'convrnn-{name}.json')
    with open(path, 'w') as f:
        json.dump(fx, f)
    print(f'wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes), loss {float(loss):.6f}')


if __name__ == '__main__':
    run('rgc', rgc_case, 1)
    run('standard', standard_case, 2)
