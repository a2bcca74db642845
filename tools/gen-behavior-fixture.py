#!/usr/bin/python3
"""Fixture for src/score/logistic.ts and src/score/behavior.ts: Brain-Score's behavioural readout and I2n on small
synthetic data, computed step by step as brain-score/vision does (model_helpers/brain_transformation/behavior.py
ProbabilitiesMapping: StandardScaler + LogisticRegression(multinomial, newton-cg, C=1e-3); metrics/
image_level_behavior _I with normalize=True; benchmarks/rajalingham2018 ceil_score), written from those semantics with
numpy/scipy/scikit-learn (Debian python3-sklearn, tools/install-fixture-deps.sh).
Run: /usr/bin/python3 tools/gen-behavior-fixture.py"""
import hashlib, json, sys, warnings
import numpy as np
import scipy.stats
import sklearn
from numpy.random import RandomState
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

warnings.simplefilter('ignore', RuntimeWarning)  # nanmean of all-NaN groups is NaN, as in Brain-Score
rng = RandomState(21)
OBJ = ['bear', 'car', 'dog', 'face', 'plane', 'tank']
F, FIT_PER, TEST_PER = 30, 40, 4
centres = rng.randn(len(OBJ), F)
def images(per):
    labels = [o for o in OBJ for _ in range(per)]
    x = np.stack([centres[OBJ.index(o)] + 0.8 * rng.randn(F) for o in labels]) * np.linspace(0.5, 3, F) + 2.0
    return x.astype(np.float32).astype(np.float64), labels
x_fit, y_fit = images(FIT_PER)
order = rng.permutation(len(y_fit))                      # fitting stimuli not grouped by object
x_fit, y_fit = x_fit[order], [y_fit[i] for i in order]
x_test, truth = images(TEST_PER)
ids = [f'img{i:02d}' for i in rng.permutation(len(truth))]   # ids not in row order

# ProbabilitiesClassifier: labels indexed by first appearance.
classes = list(dict.fromkeys(y_fit))
scaler = StandardScaler().fit(x_fit)
clf = LogisticRegression(multi_class='multinomial', solver='newton-cg', C=1e-3)
clf.fit(scaler.transform(x_fit), [classes.index(y) for y in y_fit])
proba = clf.predict_proba(scaler.transform(x_test))

def model_matrix(p):
    """target_distractor_scores: p(choice) / (p(choice) + p(truth)), NaN on the truth; rows and columns sorted."""
    rows = np.argsort(ids, kind='stable'); cols = sorted(classes)
    m = np.full((len(ids), len(cols)), np.nan)
    for a, r in enumerate(rows):
        pt = p[r, classes.index(truth[r])]
        for b, c in enumerate(cols):
            if c != truth[r]:
                pc = p[r, classes.index(c)]
                m[a, b] = pc / (pc + pt)
    return [ids[r] for r in rows], cols, [truth[r] for r in rows], m

# Observers: per image and distractor a few 2-AFC trials, choice drawn around the model's own rates; one pair is
# never offered (its cell stays NaN); trial order shuffled.
trials = []
_, cols, tr_sorted, mm = model_matrix(proba)
for a, sid in enumerate(sorted(ids)):
    for b, d in enumerate(cols):
        if d == tr_sorted[a] or (a == 3 and b in (0, 1, 2) and d != tr_sorted[a]):
            continue
        lo = np.log(mm[a, b] / (1 - mm[a, b]))
        rate = 1 / (1 + np.exp(-(lo + 1.5 * rng.randn())))
        for _ in range(rng.randint(20, 40)):
            trials.append((sid, tr_sorted[a], d, d if rng.rand() < rate else tr_sorted[a]))
trials = [trials[i] for i in rng.permutation(len(trials))]

def human_matrix(t):
    """build_response_matrix_from_responses on the trials t."""
    img = sorted(set(x[0] for x in t)); ch = sorted(set(x[3] for x in t))
    first = {}
    for x in t: first.setdefault(x[0], x[1])
    chosen, offered = {}, {}
    for sid, s, d, c in t:
        chosen[(sid, c)] = chosen.get((sid, c), 0) + 1
        for o in (s, d): offered[(sid, o)] = offered.get((sid, o), 0) + 1
    m = np.full((len(img), len(ch)), np.nan)
    for a, sid in enumerate(img):
        for b, c in enumerate(ch):
            if first[sid] != c and offered.get((sid, c), 0) > 0:
                m[a, b] = chosen.get((sid, c), 0) / offered[(sid, c)]
    return img, ch, [first[s] for s in img], m

def i2n(mat):
    """dprime (HR = 1 - rate; FA = nanmean of the reversed pair over the distractor's images), clip ±5, minus the
    (truth, choice) group mean."""
    img, ch, tr, m = mat
    d = np.full(m.shape, np.nan)
    with np.errstate(all='ignore'):
        for a in range(len(img)):
            for b, c in enumerate(ch):
                rev = [m[j, ch.index(tr[a])] for j in range(len(img)) if tr[j] == c]
                fa = np.nanmean(rev) if len(rev) else np.nan
                d[a, b] = scipy.stats.norm.ppf(1 - m[a, b]) - scipy.stats.norm.ppf(fa)
        d = np.clip(d, -5, 5)
        for t in set(tr):
            rows = [a for a in range(len(img)) if tr[a] == t]
            d[rows] = d[rows] - np.nanmean(d[rows], axis=0)
    return img, ch, tr, d

def correlate(src, tgt, skipna=False):
    s = {(i, c): src[3][a, b] for a, i in enumerate(src[0]) for b, c in enumerate(src[1])}
    pairs = [(s[(i, c)], tgt[3][a, b]) for a, i in enumerate(tgt[0]) for b, c in enumerate(tgt[1]) if not np.isnan(tgt[3][a, b])]
    if skipna: pairs = [p for p in pairs if not np.isnan(p[0])]
    a, b = np.array(pairs).T
    assert not np.isnan(a).any()
    return float(scipy.stats.pearsonr(a, b)[0])

source = i2n(model_matrix(proba))
state = RandomState(seed=0)
reps = []
for _ in range(2):
    idx = list(range(len(trials))); state.shuffle(idx)
    h = len(idx) // 2
    halves = [idx[:h], idx[h:]]
    t0, t1 = [i2n(human_matrix([trials[i] for i in hh])) for hh in halves]
    raw, ceil = correlate(source, t0), correlate(t0, t1, skipna=True)
    reps.append(dict(raw=raw, ceiling=ceil, ceiled=raw / np.sqrt(ceil), halves=halves))
ceiled = [r['ceiled'] for r in reps]
flat = lambda a: [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=np.float64).ravel()]
out = dict(script='tools/gen-behavior-fixture.py', script_sha256=hashlib.sha256(open(__file__, 'rb').read()).hexdigest(),
           sklearn=sklearn.__version__, numpy=np.__version__, features=F,
           x_fit=flat(x_fit), y_fit=y_fit, x_test=flat(x_test), truth=truth, stimulus_id=ids, classes=classes,
           proba=flat(proba), model_rates=flat(model_matrix(proba)[3]), model_i2n=flat(source[3]),
           sorted_ids=source[0], choices=source[1],
           trials=dict(stimulus_id=[t[0] for t in trials], sample_obj=[t[1] for t in trials], dist_obj=[t[2] for t in trials], choice=[t[3] for t in trials]),
           repetitions=reps, raw=float(np.mean([r['raw'] for r in reps])), ceiling=float(np.mean([r['ceiling'] for r in reps])),
           ceiled=float(np.mean(ceiled)), error=float(np.std(ceiled)))
path = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/behavior.json'
with open(path, 'w') as fh:
    json.dump(out, fh, separators=(',', ':'))
print(f'wrote {path}: {len(trials)} trials, ceiled {out["ceiled"]:.4f}, reps {[round(r["raw"], 4) for r in reps]}')
