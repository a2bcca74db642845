#!/usr/bin/python3
"""Writes test/fixtures/readout.json, the PyTorch golden values test/models/readout.test.ts checks our Gaussian
readouts against.

Run with the system Python that has torch: `/usr/bin/python3 tools/gen-readout-fixture.py`.
The readouts are re-implemented here from neuralpredictors (legacy `Gaussian2d`, the one the neural co-training
paper used, and `FullGaussian2d` with gauss_type='full'), independently of our TypeScript: the in-place clamps of
mu (to [-1, 1]) and sigma (to >= 0, not for a full covariance), positions clamp(mu + sigma*eps) in training or mu in
eval, F.grid_sample(align_corners=True), the feature weighting and the bias, plus the model wrapper's
ELU(y - 1) + 1. The noise eps is drawn here and recorded, so our side replays exactly these sampled positions.
Inputs are seeded float32; torch computes in float64. Gradients are of sum(y * dy) with respect to the feature
map and every parameter (taken after the in-place clamps, as in torch). The file records this script's sha256.
"""
import hashlib
import json
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve()
OUT = ROOT / "test" / "fixtures" / "readout.json"


def encode(t):
    # Shortest decimal that round-trips float32: JSON readers rounding to f32 get the exact value back.
    return {"shape": list(t.shape), "data": [float(str(v)) for v in t.detach().to(torch.float32).reshape(-1).numpy()]}


def legacy_gaussian2d(x, mu, sigma, features, bias, eps):
    """neuralpredictors Gaussian2d.forward; eps None = eval (mean positions)."""
    with torch.no_grad():
        mu.clamp_(min=-1, max=1)
        sigma.clamp_(min=0)
    n, c = x.shape[:2]
    outdims = mu.shape[1]
    norm = torch.zeros(n, outdims, 1, 2, dtype=x.dtype) if eps is None else eps
    grid = torch.clamp(norm * sigma + mu, min=-1, max=1)
    if grid.shape[0] != n:
        grid = grid.expand(n, outdims, 1, 2)
    y = F.grid_sample(x, grid, align_corners=True)
    y = (y.squeeze(-1) * features.view(1, c, outdims)).sum(1).view(n, outdims)
    return y + bias, grid


def full_gaussian2d(x, mu, sigma, features, bias, eps):
    """neuralpredictors FullGaussian2d.forward with gauss_type='full' (sigma is not clamped)."""
    with torch.no_grad():
        mu.clamp_(min=-1, max=1)
    n, c = x.shape[:2]
    outdims = mu.shape[1]
    grid = torch.clamp(torch.einsum("ancd,bnid->bnic", sigma, eps) + mu, min=-1, max=1)
    y = F.grid_sample(x, grid, align_corners=True)
    y = (y.squeeze(-1) * features.view(1, c, outdims)).sum(1).view(n, outdims)
    return y + bias, grid


def case(name, seed, kind, n, c, h, w, outdims, mode, batch_sample=True):
    g = torch.Generator().manual_seed(seed)

    def uni(shape, lo, hi):
        return (torch.rand(shape, generator=g) * (hi - lo) + lo).to(torch.float32)

    x = torch.randn((n, c, h, w), generator=g).to(torch.float32)
    mu = uni((1, outdims, 1, 2), -0.9, 0.9)
    # Two means outside the map: the forward clamps them in place.
    mu[0, 0, 0, 0] = 1.4
    mu[0, outdims - 1, 0, 1] = -1.7
    if kind == "gaussian2d":
        sigma = uni((1, outdims, 1, 2), 0.0, 0.6)
        sigma[0, 1, 0, 0] = -0.2  # clamped to 0 in place
        sigma[0, 2, 0, 1] = 3.0  # sampled positions run past the edge and clamp
    else:
        sigma = uni((1, outdims, 2, 2), -0.5, 0.5)
    features = uni((1, c, 1, outdims), -1.0, 1.0)
    bias = uni((outdims,), -0.5, 1.5)
    eps = None
    if mode == "train":
        eps = torch.randn((n if batch_sample else 1, outdims, 1, 2), generator=g).to(torch.float32)
    dy = uni((n, outdims), -1.0, 1.0)

    inputs = {"x": x, "mu": mu, "sigma": sigma, "features": features, "bias": bias, "dy": dy}
    if eps is not None:
        inputs["eps"] = eps
    record = {k: encode(v) for k, v in inputs.items()}

    leaves = {k: inputs[k].to(torch.float64).requires_grad_(True) for k in ("x", "mu", "sigma", "features", "bias")}
    e64 = None if eps is None else eps.to(torch.float64)
    fn = legacy_gaussian2d if kind == "gaussian2d" else full_gaussian2d
    y, grid = fn(leaves["x"], leaves["mu"], leaves["sigma"], leaves["features"], leaves["bias"], e64)
    responses = F.elu(y - 1) + 1
    grads = torch.autograd.grad((y * dy.to(torch.float64)).sum(), list(leaves.values()))
    return {
        "name": name, "readout": kind, "mode": mode, "batch_sample": batch_sample,
        "inputs": record,
        "outputs": {
            "y": encode(y), "responses": encode(responses), "grid": encode(grid),
            "mu_clamped": encode(leaves["mu"]), "sigma_clamped": encode(leaves["sigma"]),
        },
        "grads": {k: encode(v) for k, v in zip(leaves, grads)},
    }


def main():
    cases = [
        case("gaussian2d eval", 1, "gaussian2d", 2, 5, 7, 6, 9, "eval"),
        case("gaussian2d train", 2, "gaussian2d", 3, 4, 6, 9, 7, "train"),
        case("gaussian2d train one sample per batch", 3, "gaussian2d", 2, 3, 5, 5, 5, "train", batch_sample=False),
        case("full gaussian2d train", 4, "full", 2, 6, 7, 5, 6, "train"),
    ]
    doc = {
        "generator": SCRIPT.relative_to(ROOT).as_posix(),
        "script_sha256": hashlib.sha256(SCRIPT.read_bytes()).hexdigest(),
        "torch_version": torch.__version__,
        "compute_dtype": "float64",
        "cases": cases,
    }
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False) + "\n"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"{OUT.relative_to(ROOT)}: {len(cases)} cases, {len(text) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
