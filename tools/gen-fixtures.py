#!/usr/bin/python3
"""Writes the PyTorch golden fixtures in test/fixtures/*.json that test/ops/torch-parity.test.ts checks against.

Run with the system Python that has torch (Debian's python3-torch): `/usr/bin/python3 tools/gen-fixtures.py`.
Inputs are seeded float32 values. Torch evaluates each call in float64 on exactly those values, so the
expectations carry no float32 rounding of their own and the parity test's tolerance is all ours. Gradients are of
loss = sum(y * dy) for a recorded random `dy`. Every file records this script's sha256 and the torch version;
the parity test fails when the script changes without the fixtures being regenerated.
"""
import hashlib
import json
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve()
OUT = ROOT / "test" / "fixtures"


def f32_list(t):
    # Shortest decimal that round-trips float32: JSON readers rounding to f32 get the exact value back.
    return [float(str(v)) for v in t.detach().to(torch.float32).reshape(-1).numpy()]


def encode(t):
    if t.dtype in (torch.int64, torch.int32):
        return {"shape": list(t.shape), "dtype": "int64", "data": [int(v) for v in t.reshape(-1)]}
    return {"shape": list(t.shape), "dtype": "float32", "data": f32_list(t)}


class Case:
    """One call: seeded float32 inputs, the torch expression, its float64 outputs and the gradients of sum(y * dy)."""

    def __init__(self, name, seed):
        self.name = name
        self.gen = torch.Generator().manual_seed(seed)
        self.inputs = {}
        self.leaves = {}

    def uniform(self, name, shape, lo=-1.0, hi=1.0, grad=False):
        return self.add(name, torch.rand(shape, generator=self.gen) * (hi - lo) + lo, grad)

    def normal(self, name, shape, mean=0.0, std=1.0, grad=False):
        return self.add(name, torch.randn(shape, generator=self.gen) * std + mean, grad)

    def integers(self, name, hi, shape):
        return self.add(name, torch.randint(0, hi, shape, generator=self.gen))

    def add(self, name, t, grad=False):
        """Records `t` (rounded to float32 if floating) and returns it in float64, as a leaf when `grad`."""
        if not t.is_floating_point():
            self.inputs[name] = t
            return t
        self.inputs[name] = t.to(torch.float32)
        t = self.inputs[name].to(torch.float64).requires_grad_(grad)
        if grad:
            self.leaves[name] = t
        return t

    def finish(self, op, call, attrs, outputs):
        """`op` is our function under test; `outputs` maps names to results, y first. Gradients are taken for
        every input made with grad=True."""
        y = next(iter(outputs.values()))
        grads = {}
        if self.leaves:
            dy = self.uniform("dy", tuple(y.shape))
            gs = torch.autograd.grad((y * dy).sum(), list(self.leaves.values()))
            grads = {k: encode(g) for k, g in zip(self.leaves, gs)}
        return {
            "name": self.name, "op": op, "call": call, "attrs": attrs,
            "inputs": {k: encode(v) for k, v in self.inputs.items()},
            "outputs": {k: encode(v) for k, v in outputs.items()},
            "grads": grads,
        }


# ---- conv2d ---------------------------------------------------------------------------------------------------

def kwargs_text(kw):
    return ", ".join(f"{k}={v!r}" for k, v in kw.items())


def conv2d_cases():
    out = []
    specs = [
        ("grouped strided", 1, (2, 4, 7, 7), (6, 2, 3, 3), True, dict(stride=2, padding=1, groups=2)),
        ("dilated no bias", 2, (2, 5, 7, 7), (4, 5, 3, 3), False, dict(padding=2, dilation=2)),
        ("depthwise rect stride", 3, (2, 6, 7, 7), (6, 1, 3, 3), True, dict(stride=(2, 1), padding=(1, 0), groups=6)),
        ("1x1 strided", 4, (1, 5, 7, 7), (3, 5, 1, 1), True, dict(stride=3)),
    ]
    for name, seed, xs, ws, bias, kw in specs:
        c = Case(f"conv2d {name}", seed)
        x = c.uniform("x", xs, grad=True)
        w = c.uniform("w", ws, -0.5, 0.5, grad=True)
        b = c.uniform("b", (ws[0],), grad=True) if bias else None
        y = F.conv2d(x, w, b, **kw)
        out.append(c.finish("conv2d", f"F.conv2d(x, w, {'b' if bias else 'None'}, {kwargs_text(kw)})", kw, {"y": y}))
    # torch has asymmetric padding only as F.pad; our conv2d takes it as padding [top, bottom, left, right].
    c = Case("conv2d asymmetric padding", 5)
    x = c.uniform("x", (2, 4, 7, 7), grad=True)
    w = c.uniform("w", (5, 4, 3, 2), -0.5, 0.5, grad=True)
    b = c.uniform("b", (5,), grad=True)
    y = F.conv2d(F.pad(x, (1, 2, 0, 1)), w, b, stride=(1, 2))
    out.append(c.finish("conv2d", "F.conv2d(F.pad(x, (1, 2, 0, 1)), w, b, stride=(1, 2))",
                        {"pad": [1, 2, 0, 1], "stride": [1, 2]}, {"y": y}))
    return out


# ---- batchnorm ------------------------------------------------------------------------------------------------

def batchnorm_cases():
    out = []
    specs = [
        ("train 4d", 11, (2, 5, 7, 7), True, True, 0.1, 1e-5),
        ("train 2d momentum 0.3 eps 1e-3", 12, (6, 7), True, True, 0.3, 1e-3),
        ("train 4d no affine", 13, (3, 4, 3, 5), True, False, 0.1, 1e-5),
        ("eval 4d", 14, (2, 5, 7, 7), False, True, 0.1, 1e-5),
    ]
    for name, seed, xs, training, affine, momentum, eps in specs:
        c = Case(f"batchnorm {name}", seed)
        ch = xs[1]
        x = c.normal("x", xs, 0.5, 2.0, grad=True)
        w = c.uniform("weight", (ch,), 0.5, 1.5, grad=True) if affine else None
        b = c.uniform("bias", (ch,), grad=True) if affine else None
        rm = c.uniform("running_mean", (ch,), -0.5, 0.5)
        rv = c.uniform("running_var", (ch,), 0.5, 1.5)
        y = F.batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=eps)
        call = (f"F.batch_norm(x, running_mean, running_var, {'weight, bias' if affine else 'None, None'}, "
                f"training={training}, momentum={momentum}, eps={eps})")
        attrs = {"training": training, "momentum": momentum, "eps": eps}
        # F.batch_norm updated rm and rv in place: these are the running stats after the call.
        out.append(c.finish("batchnorm", call, attrs, {"y": y, "running_mean": rm, "running_var": rv}))
    return out


# ---- grid sample ----------------------------------------------------------------------------------------------

def grid_sample_cases():
    out = []
    for seed, align in ((21, True), (22, False)):
        c = Case(f"grid_sample align_corners={align}", seed)
        x = c.uniform("input", (2, 3, 5, 6), grad=True)
        # Coordinates up to ±1.6 put some taps, and some whole points, outside the image.
        g = c.uniform("grid", (2, 4, 7, 2), -1.6, 1.6, grad=True)
        y = F.grid_sample(x, g, mode="bilinear", padding_mode="zeros", align_corners=align)
        call = f"F.grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners={align})"
        out.append(c.finish("gridSample", call, {"align_corners": align}, {"y": y}))
    return out


# ---- cross entropy --------------------------------------------------------------------------------------------

def cross_entropy_cases():
    out = []
    specs = [
        ("class mean", 31, False, 0.0, "mean"),
        ("class smoothing 0.1 mean", 32, False, 0.1, "mean"),
        ("class smoothing 0.1 sum", 33, False, 0.1, "sum"),
        ("class none", 34, False, 0.0, "none"),
        ("soft mean", 35, True, 0.0, "mean"),
        ("soft smoothing 0.1 sum", 36, True, 0.1, "sum"),
    ]
    for name, seed, soft, smoothing, reduction in specs:
        c = Case(f"cross_entropy {name}", seed)
        logits = c.normal("logits", (5, 7), 0.0, 2.0, grad=True)
        if soft:
            target = c.add("target", torch.softmax(2 * torch.randn((5, 7), generator=c.gen), dim=1))
        else:
            target = c.integers("target", 7, (5,))
        y = F.cross_entropy(logits, target, label_smoothing=smoothing, reduction=reduction)
        call = f"F.cross_entropy(logits, target, label_smoothing={smoothing}, reduction='{reduction}')"
        out.append(c.finish("crossEntropy", call, {"label_smoothing": smoothing, "reduction": reduction}, {"y": y}))
    return out


# ---- fft ------------------------------------------------------------------------------------------------------

def fft_cases():
    out = []
    for seed, (h, w) in ((41, (8, 8)), (42, (16, 32))):
        for inverse in (False, True):
            fn = "ifft2" if inverse else "fft2"
            c = Case(f"{fn} 2x{h}x{w}", seed + (10 if inverse else 0))
            x = c.uniform("x", (2, h, w, 2), grad=True)
            y = torch.view_as_real(getattr(torch.fft, fn)(torch.view_as_complex(x)))
            call = f"torch.view_as_real(torch.fft.{fn}(torch.view_as_complex(x)))"
            out.append(c.finish("fft2", call, {"inverse": inverse}, {"y": y}))
    c = Case("rfft2Full 2x8x8", 61)
    x = c.uniform("x", (2, 8, 8), grad=True)
    y = torch.view_as_real(torch.fft.fft2(x))
    out.append(c.finish("rfft2Full", "torch.view_as_real(torch.fft.fft2(x))", {}, {"y": y}))
    c = Case("amplitudeTransfer 2x8x8", 62)
    target, source = c.uniform("target", (2, 8, 8)), c.uniform("source", (2, 8, 8))
    y = torch.fft.ifft2(torch.polar(torch.fft.fft2(source).abs(), torch.fft.fft2(target).angle())).real
    call = "torch.fft.ifft2(torch.polar(torch.fft.fft2(source).abs(), torch.fft.fft2(target).angle())).real"
    out.append(c.finish("amplitudeTransfer", call, {}, {"y": y}))
    return out


# ---- gated residual -------------------------------------------------------------------------------------------

def gated_residual_cases():
    out = []
    for seed, shape in ((51, (2, 3, 7, 5)), (52, (17,))):
        c = Case(f"gated_residual {'x'.join(map(str, shape))}", seed)
        x = c.uniform("x", shape, grad=True)
        g = c.normal("g", shape, 0.0, 3.0, grad=True)
        a = c.uniform("a", shape, grad=True)
        y = x + torch.sigmoid(g) * a
        out.append(c.finish("gatedResidual", "x + torch.sigmoid(g) * a", {}, {"y": y}))
    return out


# ---- matmul / linear ------------------------------------------------------------------------------------------

def matmul_cases():
    out = []
    specs = [
        ("7x5 @ 5x3", 71, (7, 5), (5, 3), False, False),
        ("3x65 @ 65x17", 72, (3, 65), (65, 17), False, False),
        ("broadcast batch", 73, (2, 1, 3, 4), (3, 4, 5), False, False),
        ("transA", 74, (2, 5, 7), (2, 5, 3), True, False),
        ("transB", 75, (7, 5), (2, 3, 5), False, True),
        ("transA transB", 76, (5, 1), (3, 5), True, True),
    ]
    for name, seed, sa, sb, ta, tb in specs:
        c = Case(f"matmul {name}", seed)
        a, b = c.uniform("a", sa, grad=True), c.uniform("b", sb, grad=True)
        y = torch.matmul(a.transpose(-1, -2) if ta else a, b.transpose(-1, -2) if tb else b)
        call = f"torch.matmul({'a.transpose(-1, -2)' if ta else 'a'}, {'b.transpose(-1, -2)' if tb else 'b'})"
        out.append(c.finish("matmul", call, {"transA": ta, "transB": tb}, {"y": y}))
    for seed, bias in ((77, True), (78, False)):
        c = Case(f"linear {'bias' if bias else 'no bias'}", seed)
        x, w = c.uniform("x", (5, 17), grad=True), c.uniform("w", (6, 17), grad=True)
        b = c.uniform("b", (6,), grad=True) if bias else None
        y = F.linear(x, w, b)
        out.append(c.finish("linear", f"F.linear(x, w, {'b' if bias else 'None'})", {}, {"y": y}))
    return out


# ---- pooling --------------------------------------------------------------------------------------------------

def pool2d_cases():
    out = []
    specs = [
        ("maxPool2d", "max_pool2d", 81, (2, 4, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
        ("maxPool2d", "max_pool2d", 82, (2, 3, 7, 7), dict(kernel_size=(2, 3), stride=(2, 1), ceil_mode=True)),
        ("avgPool2d", "avg_pool2d", 83, (2, 4, 7, 7), dict(kernel_size=3, stride=2, padding=1, count_include_pad=True)),
        ("avgPool2d", "avg_pool2d", 84, (2, 4, 7, 7), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
        ("avgPool2d", "avg_pool2d", 85, (2, 3, 7, 7), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
        ("adaptiveAvgPool2d", "adaptive_avg_pool2d", 86, (2, 4, 7, 7), dict(output_size=3)),
        ("adaptiveAvgPool2d", "adaptive_avg_pool2d", 87, (2, 3, 7, 5), dict(output_size=(2, 4))),
        ("adaptiveMaxPool2d", "adaptive_max_pool2d", 88, (2, 4, 7, 7), dict(output_size=(3, 2))),
    ]
    for op, fn, seed, xs, kw in specs:
        c = Case(f"{fn} {kwargs_text(kw)}", seed)
        x = c.uniform("x", xs, grad=True)
        y = getattr(F, fn)(x, **kw)
        out.append(c.finish(op, f"F.{fn}(x, {kwargs_text(kw)})", kw, {"y": y}))
    return out


# ---- softmax --------------------------------------------------------------------------------------------------

def softmax_cases():
    out = []
    specs = [((3, 7), -1, 1.0), ((2, 5, 3), 1, 1.0), ((4, 65), -1, 30.0), ((3, 2, 4), 0, 1.0)]
    for i, (shape, dim, spread) in enumerate(specs):
        for op, fn in (("softmax", "softmax"), ("logSoftmax", "log_softmax")):
            # Logits up to ±30 overflow exp in float32 unless the kernel shifts by the max.
            c = Case(f"{fn} {'x'.join(map(str, shape))} dim={dim} spread={spread:g}", 91 + i)
            x = c.uniform("x", shape, -spread, spread, grad=True)
            y = getattr(F, fn)(x, dim=dim)
            out.append(c.finish(op, f"F.{fn}(x, dim={dim})", {"dim": dim}, {"y": y}))
    return out


FIXTURES = {
    "conv2d": conv2d_cases,
    "batchnorm": batchnorm_cases,
    "grid-sample": grid_sample_cases,
    "cross-entropy": cross_entropy_cases,
    "fft": fft_cases,
    "gated-residual": gated_residual_cases,
    "matmul": matmul_cases,
    "pool2d": pool2d_cases,
    "softmax": softmax_cases,
}


def main():
    sha = hashlib.sha256(SCRIPT.read_bytes()).hexdigest()
    OUT.mkdir(parents=True, exist_ok=True)
    for stem, make in FIXTURES.items():
        doc = {
            "generator": SCRIPT.relative_to(ROOT).as_posix(),
            "script_sha256": sha,
            "torch_version": torch.__version__,
            "compute_dtype": "float64",
            "cases": make(),
        }
        text = json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n"
        (OUT / f"{stem}.json").write_text(text)
        print(f"test/fixtures/{stem}.json: {len(doc['cases'])} cases, {len(text) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
