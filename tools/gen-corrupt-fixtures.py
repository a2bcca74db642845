#!/usr/bin/python3
"""Fixtures for the canonical corruption mode (test/corrupt-canonical.test.ts).

Implements, with Debian's numpy, scipy, Pillow, OpenCV and scikit-image, the uint8 pipeline of imagecorruptions'
corrupt() (bethgelab/imagecorruptions, corruptions.py) for its deterministic corruptions: the input is uint8, a
2-D image is stacked to RGB, each corruption runs on the PIL image as the original's does, and the float result is
cast with np.uint8 (PIL results -- pixelate, JPEG -- are taken as they are). Both severity tables are written: 224
(imagecorruptions) and 64 (Tiny-ImageNet-C's values, make_tinyimagenet_c.py, applied by the same functions).

For the random corruptions numpy's stream cannot be matched, so the file records statistics of the original's
noise corruptions over many draws instead (mean and standard deviation of the grey-level change, share of
pixels changed), which the test compares with ours.

Outputs: test/fixtures/corrupt-canonical.json (manifest: images, shapes, offsets, statistics, library versions,
this script's SHA-256; also one cv2.resize INTER_CUBIC as frost rescales its photographs) and
test/fixtures/corrupt-canonical.bin.gz (every uint8 array, HWC, concatenated).
Run: /usr/bin/python3 tools/gen-corrupt-fixtures.py (apt: python3-pil python3-opencv python3-skimage python3-scipy).
"""
import gzip
import hashlib
import json
import os
from io import BytesIO

import cv2
import numpy as np
import PIL
import scipy
import skimage
from PIL import Image
from scipy.ndimage import zoom as scipy_zoom
from skimage.color import hsv2rgb, rgb2hsv
from skimage.filters import gaussian

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'test', 'fixtures')


def zoom_factors(start, stop, step):
    return list(np.arange(start, stop, step))


# Severity parameters of the deterministic corruptions, transcribed from the two originals.
TABLES = {
    224: {
        'defocus_blur': [(3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)],
        'zoom_blur': [zoom_factors(1, 1.11, 0.01), zoom_factors(1, 1.16, 0.01), zoom_factors(1, 1.21, 0.02),
                      zoom_factors(1, 1.26, 0.02), zoom_factors(1, 1.31, 0.03)],
        'brightness': [0.1, 0.2, 0.3, 0.4, 0.5],
        'contrast': [0.4, 0.3, 0.2, 0.1, 0.05],
        'pixelate': [0.6, 0.5, 0.4, 0.3, 0.25],
        'jpeg_compression': [25, 18, 15, 10, 7],
        'gaussian_blur': [1, 2, 3, 4, 6],
        'saturate': [(0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (20, 0.2)],
    },
    64: {
        'defocus_blur': [(0.5, 0.6), (1, 0.1), (1.5, 0.1), (2.5, 0.01), (3, 0.1)],
        'zoom_blur': [zoom_factors(1, 1.06, 0.01), zoom_factors(1, 1.11, 0.01), zoom_factors(1, 1.16, 0.01),
                      zoom_factors(1, 1.21, 0.01), zoom_factors(1, 1.26, 0.01)],
        'brightness': [0.1, 0.2, 0.3, 0.4, 0.5],
        'contrast': [0.4, 0.3, 0.2, 0.1, 0.05],
        'pixelate': [0.9, 0.8, 0.7, 0.6, 0.5],
        'jpeg_compression': [65, 58, 50, 40, 25],
        'gaussian_blur': [0.5, 0.75, 1, 1.25, 1.5],
        'saturate': [(0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (30, 0.2)],
    },
}
NOISE = {
    224: {'gaussian_noise': [0.08, 0.12, 0.18, 0.26, 0.38], 'shot_noise': [60, 25, 12, 5, 3],
          'impulse_noise': [0.03, 0.06, 0.09, 0.17, 0.27], 'speckle_noise': [0.15, 0.2, 0.35, 0.45, 0.6]},
    64: {'gaussian_noise': [0.04, 0.08, 0.12, 0.15, 0.18], 'shot_noise': [250, 100, 50, 30, 15],
         'impulse_noise': [0.01, 0.02, 0.05, 0.08, 0.14], 'speckle_noise': [0.15, 0.2, 0.25, 0.3, 0.35]},
}


def disk_kernel(radius, alias_blur):
    span = np.arange(-8, 9) if radius <= 8 else np.arange(-radius, radius + 1)
    ksize = (3, 3) if radius <= 8 else (5, 5)
    xx, yy = np.meshgrid(span, span)
    d = np.array(xx ** 2 + yy ** 2 <= radius ** 2, dtype=np.float32)
    d /= d.sum()
    return cv2.GaussianBlur(d, ksize=ksize, sigmaX=alias_blur)


def clipped_zoom(img, z):
    h, w = img.shape[:2]
    ch, cw = int(np.ceil(h / float(z))), int(np.ceil(w / float(z)))
    top, left = (h - ch) // 2, (w - cw) // 2
    return scipy_zoom(img[top:top + ch, left:left + cw], (z, z, 1), order=1)


def apply(name, pil, p):
    """One corruption of a PIL RGB image as the original computes it; float results in 0..255 or a PIL image."""
    if name == 'pixelate':
        w, h = pil.size
        return pil.resize((int(w * p), int(h * p)), Image.BOX).resize((w, h), Image.NEAREST)
    if name == 'jpeg_compression':
        buf = BytesIO()
        pil.save(buf, 'JPEG', quality=p)
        return Image.open(buf)
    x = np.array(pil) / 255.
    if name == 'defocus_blur':
        k = disk_kernel(p[0], p[1])
        y = np.stack([cv2.filter2D(x[:, :, d], -1, k) for d in range(3)], axis=2)
    elif name == 'zoom_blur':
        x = x.astype(np.float32)
        acc = np.zeros_like(x)
        for z in p:
            acc += clipped_zoom(x, z)[:x.shape[0], :x.shape[1], :]
        y = (x + acc) / (len(p) + 1)
    elif name == 'brightness':
        hsv = rgb2hsv(x)
        hsv[:, :, 2] = np.clip(hsv[:, :, 2] + p, 0, 1)
        y = hsv2rgb(hsv)
    elif name == 'contrast':
        m = np.mean(x, axis=(0, 1), keepdims=True)
        y = (x - m) * p + m
    elif name == 'gaussian_blur':
        y = gaussian(x, sigma=p, channel_axis=-1)
    elif name == 'saturate':
        hsv = rgb2hsv(x)
        hsv[:, :, 1] = np.clip(hsv[:, :, 1] * p[0] + p[1], 0, 1)
        y = hsv2rgb(hsv)
    else:
        raise ValueError(name)
    return np.clip(y, 0, 1) * 255


def noisy(name, x8, p, rng):
    x = x8 / 255.
    if name == 'gaussian_noise':
        y = x + rng.normal(size=x.shape, scale=p)
    elif name == 'shot_noise':
        y = rng.poisson(x * p) / float(p)
    elif name == 'speckle_noise':
        y = x + x * rng.normal(size=x.shape, scale=p)
    else:  # skimage random_noise(mode='s&p', amount=p, salt_vs_pepper=0.5) on the whole array
        y = x.copy()
        flip = rng.random(x.shape) < p
        salt = rng.random(x.shape) < 0.5
        y[flip & salt] = 1
        y[flip & ~salt] = 0
    return np.clip(y, 0, 1) * 255


def corrupt(name, img8, p):
    """imagecorruptions.corrupt: uint8 in, 2-D images stacked to RGB, np.uint8 of the result."""
    if img8.ndim == 2:
        img8 = np.stack((img8,) * 3, axis=-1)
    return np.uint8(apply(name, Image.fromarray(img8), p))


def scene(h, w, seed):
    """A test image with flat areas, edges, gradients and texture (8-bit RGB)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.zeros((h, w, 3))
    for c in range(3):
        f = rng.uniform(2, 9, 2)
        img[:, :, c] = 0.45 + 0.3 * np.sin(f[0] * xx + c) * np.cos(f[1] * yy) + 0.15 * (xx - yy)
    disk = (xx - 0.6) ** 2 + (yy - 0.4) ** 2 < 0.05
    img[disk] = [0.92, 0.2, 0.15]
    img[int(0.7 * h):, : int(0.3 * w)] = [0.05, 0.1, 0.6]
    img += rng.normal(0, 0.03, img.shape)
    return np.round(255 * np.clip(img, 0, 1)).astype(np.uint8)


def main():
    blobs = []
    offset = 0

    def add(arr):
        nonlocal offset
        a = np.ascontiguousarray(arr, dtype=np.uint8)
        blobs.append(a.tobytes())
        entry = {'offset': offset, 'shape': list(a.shape)}
        offset += a.size
        return entry

    rgb = {'a': scene(36, 40, 1), 'b': scene(35, 33, 2)}
    gray_src = np.array(Image.fromarray(scene(34, 37, 3)).convert('L'))
    # PIL's convert('L') is the integer formula the GPU kernel uses; check it on the outputs as well below.
    def to_l(a):
        return np.array(Image.fromarray(a).convert('L'))

    def l_formula(a):
        a = a.astype(np.int64)
        return ((19595 * a[..., 0] + 38470 * a[..., 1] + 7471 * a[..., 2] + 32768) >> 16).astype(np.uint8)

    manifest = {'images': {k: add(v) for k, v in rgb.items()}, 'gray_source': add(gray_src), 'cases': [], 'noise': []}
    for table, spec in TABLES.items():
        for name, levels in spec.items():
            for s, p in enumerate(levels, 1):
                for k, img in rgb.items():
                    out = corrupt(name, img, p)
                    manifest['cases'].append({'image': k, 'name': name, 'severity': s, 'table': table, 'rgb': add(out),
                                              'gray': add(to_l(out))})
                    assert np.array_equal(to_l(out), l_formula(out)), 'PIL L formula'
                out = corrupt(name, gray_src, p)
                manifest['cases'].append({'image': 'gray_source', 'name': name, 'severity': s, 'table': table,
                                          'gray': add(to_l(out))})
    # frost's photo rescaling (cv2.resize, INTER_CUBIC, on the uint8 photo).
    photo = scene(13, 17, 4)
    manifest['frost_resize'] = {'photo': add(photo), 'out': add(cv2.resize(photo, dsize=(23, 20), interpolation=cv2.INTER_CUBIC))}
    img = rgb['a']
    draws = 64
    for table, spec in NOISE.items():
        for name, levels in spec.items():
            for s, p in enumerate(levels, 1):
                rng = np.random.default_rng(1000 * table + s)
                d = np.stack([np.uint8(noisy(name, img, p, rng)).astype(np.float64) - img for _ in range(draws)])
                manifest['noise'].append({'name': name, 'severity': s, 'table': table, 'draws': draws,
                                          'mean': float(d.mean()), 'std': float(d.std()),
                                          'changed': float((d != 0).mean())})
    with open(os.path.abspath(__file__), 'rb') as f:
        manifest['script'] = {'path': 'tools/gen-corrupt-fixtures.py', 'sha256': hashlib.sha256(f.read()).hexdigest()}
    manifest['versions'] = {'numpy': np.__version__, 'scipy': scipy.__version__, 'Pillow': PIL.__version__,
                            'opencv': cv2.__version__, 'scikit-image': skimage.__version__}
    manifest['bytes'] = offset
    with gzip.open(os.path.join(OUT, 'corrupt-canonical.bin.gz'), 'wb', compresslevel=9) as f:
        f.write(b''.join(blobs))
    with open(os.path.join(OUT, 'corrupt-canonical.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    print(f"{len(manifest['cases'])} cases, {len(manifest['noise'])} noise statistics, {offset} bytes")


if __name__ == '__main__':
    main()
