"""Optuna's TPESampler on a digits-bench lookup written by optuna-check.ts.

usage: python3 optuna_tpe.py LOOKUP.json BATCH TRIALS SEEDS TARGET

Every decision is a categorical parameter over its token indices; both objectives are maximized
(accuracy, -ln latency: the vector the project's strategies see); an infeasible candidate is a
violated constraint (constraints_func). A batch is BATCH ask() calls, then their tell() calls, with
constant_liar on. Prints one JSON line: the samples each seed needed to reach TARGET hypervolume
(in the benchmark's normalized (accuracy, log10 latency) frame), TRIALS + 1 if never.
"""
import json
import sys
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore")

path, batch, trials, seeds, target = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
lookup = json.load(open(path))
cards, table = lookup["cards"], lookup["table"]


def hypervolume(front):
    area, top = 0.0, 0.0
    for x, y in sorted(front, key=lambda v: (-v[0], -v[1])):
        if y > top:
            area += x * (y - top)
            top = y
    return area


def run(seed):
    sampler = optuna.samplers.TPESampler(
        multivariate=True,
        seed=seed,
        constant_liar=batch > 1,
        constraints_func=lambda t: t.user_attrs["violation"],
    )
    study = optuna.create_study(directions=["maximize", "maximize"], sampler=sampler)
    front, hv, n = [], 0.0, 0
    while n < trials:
        asked = [study.ask() for _ in range(min(batch, trials - n))]
        for t in asked:
            tokens = [t.suggest_categorical(f"d{d}", list(range(c))) for d, c in enumerate(cards)]
            e = table[",".join(map(str, tokens))]
            p = e["h"]
            if p is not None and all(x > 0 for x in p):
                p = [min(1.0, x) for x in p]
                if not any(f[0] >= p[0] and f[1] >= p[1] for f in front):
                    front = [f for f in front if not (p[0] >= f[0] and p[1] >= f[1])] + [p]
                    hv = hypervolume(front)
            n += 1
            if hv >= target:
                return n
            t.set_user_attr("violation", [1.0] if e["o"] is None else [-1.0])
        for t in asked:
            tokens = [t.params[f"d{d}"] for d in range(len(cards))]
            e = table[",".join(map(str, tokens))]
            study.tell(t, e["o"] if e["o"] is not None else [0.0, -20.0])
    return trials + 1


print(json.dumps({"optuna": optuna.__version__, "samplesToTarget": [run(s) for s in range(seeds)]}))
