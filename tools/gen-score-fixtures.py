#!/usr/bin/python3
"""Fixtures for src/score: scikit-learn PLSRegression / Ridge / LinearRegression / PCA predictions on awkward
shapes, and the whole Brain-Score neural metric (CrossRegressedCorrelation with PLS, internal-consistency
ceiling) on the same features, following brain-score/vision metrics/regression_correlation and
metrics/internal_consistency step by step with the splits recorded. Uses Debian's python3-sklearn
(tools/install-fixture-deps.sh). Run: /usr/bin/python3 tools/gen-score-fixtures.py"""
import hashlib, json, sys
import numpy as np
import scipy.stats
import sklearn
from sklearn.cross_decomposition import PLSRegression
from sklearn.decomposition import PCA
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

rng = np.random.RandomState(12)
f32 = lambda a: np.asarray(a, dtype=np.float32).astype(np.float64)
flat = lambda a: [float(v) for v in np.asarray(a).ravel()]

def latent(n, p, q, noise=0.3):
    """Features with a decaying spectrum and targets that depend on a few latent directions."""
    z = rng.randn(n, 6)
    x = z @ rng.randn(6, p) + 0.5 * rng.randn(n, p) * np.linspace(1, 0.2, p)
    y = z @ rng.randn(6, q) + noise * rng.randn(n, q)
    return f32(x + 0.3), f32(y - 1.0)

cases = []
for name, n, m, p, q, comps in [('features>samples', 20, 7, 60, 9, 5), ('one-target', 40, 10, 12, 1, 6),
                                ('500-targets', 26, 6, 10, 500, 4), ('tall', 60, 12, 8, 5, 8)]:
    x, y = latent(n + m, p, q)
    xtr, xte, ytr = x[:n], x[n:], y[:n]
    pls = PLSRegression(n_components=comps, scale=False).fit(xtr, ytr)
    ridge = Ridge(alpha=1.0).fit(xtr, ytr)
    lin = LinearRegression().fit(xtr, ytr)
    k = min(n, p) - 1
    pca = PCA(n_components=k, svd_solver='full').fit(xtr)
    cases.append(dict(name=name, n=n, m=m, p=p, q=q, components=comps, pca_components=k,
                      x=flat(x), y=flat(y[:n]),
                      pls=flat(pls.predict(xte).reshape(m, q)), ridge=flat(ridge.predict(xte).reshape(m, q)),
                      linear=flat(lin.predict(xte).reshape(m, q)), pca=flat(pca.transform(xte)),
                      pca_variance=flat(pca.explained_variance_)))

# The neural metric: 60 stimuli of 6 objects, 30 features, 12 neuroids, 4 repetitions.
S, F, K, R, OBJ = 60, 30, 12, 4, 6
objects = np.repeat(np.arange(OBJ), S // OBJ)
feat, rates = latent(S, F, K, noise=0.0)
rates = rates - rates.min() + 0.5
trials = f32(rates[None] + 0.8 * rng.randn(R, S, K))
target = trials.mean(0)
splits, per_split = [], []
sss = StratifiedShuffleSplit(n_splits=10, train_size=0.9, test_size=None, random_state=1)
for tr, te in sss.split(np.zeros(S), objects):
    reg = PLSRegression(n_components=25 if F >= 25 else F, scale=False).fit(feat[tr], target[tr])
    pred = reg.predict(feat[te])
    rs = [scipy.stats.pearsonr(pred[:, k], target[te, k])[0] for k in range(K)]
    per_split.append(float(np.nanmedian(rs)))
    splits.append(dict(train=[int(i) for i in tr], test=[int(i) for i in te]))
raw = float(np.mean(per_split)); sem = float(np.std(per_split) / np.sqrt(len(per_split)))
halves, ceil_split = [], []
for a, b in ShuffleSplit(n_splits=10, train_size=0.5, random_state=1).split(np.arange(R)):
    ha, hb = trials[a].mean(0), trials[b].mean(0)
    r = np.array([scipy.stats.pearsonr(ha[:, k], hb[:, k])[0] for k in range(K)])
    ceil_split.append(float(np.median(2 * r / (1 + r))))
    halves.append([int(i) for i in a] + [int(i) for i in b])
ceiling = float(np.mean(ceil_split))
metric = dict(stimuli=S, features=F, neuroids=K, repetitions=R, objects=[int(o) for o in objects],
              x=flat(feat), trials=flat(trials), splits=splits, per_split=per_split, raw=raw, sem=sem,
              halves=halves, ceiling_per_split=ceil_split, ceiling=ceiling, ceiled=(raw / ceiling) ** 2)

script = open(__file__, 'rb').read()
out = dict(script='tools/gen-score-fixtures.py', script_sha256=hashlib.sha256(script).hexdigest(),
           sklearn=sklearn.__version__, numpy=np.__version__, cases=cases, metric=metric)
path = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/score.json'
with open(path, 'w') as fh:
    json.dump(out, fh, separators=(',', ':'))
print(f'wrote {path}')
