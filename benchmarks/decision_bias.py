"""Does moving the decision toward `other` pay on sentences it was not fitted on?

The models give conflict labels to ordinary sentences of real articles. The cheapest
remedy would be a fixed offset on the log-probabilities (toward `other`, or one per label)
chosen on validation data, with no retraining. Fitting and judging such an offset on the
same sentences always shows a gain, so this script cross-fits it: each validation split
(written, current-events, and wikinews-articles with ``--articles``) is cut in two halves
by article (a report's sentences stay together), the offset that maximises the joint
macro-F1 of one half is scored on the other, and back; repeated over seeded cuts. Reported
per model and variant: the mean held-out gain per split and the joint one, with the
smallest and largest over the folds, and the offset fitted on all of validation.

Usage:
    python benchmarks/decision_bias.py --source current-events-context \\
        --articles wikinews.jsonl --model default --model accurate \\
        --out docs/results/decision_bias.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from model_comparison import comparison_splits, named_model

from conflictnlp import LABELS, Classifier, evaluate
from conflictnlp.evaluation.metrics import macro_f1

#: Offsets tried for each label, in log-probability units (e**2 = 7.4 times the odds).
GRID = np.arange(-1.0, 2.01, 0.25)
VARIANTS = {"other": [LABELS.index("other")], "every label": list(range(len(LABELS)))}


def fit_bias(y: np.ndarray, log_probs: np.ndarray, labels: list[int], rounds: int = 3) -> Any:
    """The offsets (one per label, 0 for labels not in ``labels``) that maximise the
    macro-F1 of ``argmax(log_probs + offsets)``, by coordinate ascent over ``GRID``.
    A tie keeps the smaller offset, so no gain means no offset."""
    bias = np.zeros(log_probs.shape[1])
    for _ in range(rounds):
        for label in labels:
            scores = []
            for value in GRID:
                trial = bias.copy()
                trial[label] = value
                scores.append(macro_f1(y, (log_probs + trial).argmax(axis=1)))
            best = max(scores)
            ties = [v for v, s in zip(GRID, scores, strict=True) if s == best]
            bias[label] = min(ties, key=abs)
    return bias


def halves(groups: list[str], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of two halves of the distinct ``groups`` (articles), drawn by ``rng``."""
    names = np.array(sorted(set(groups)))
    first = set(rng.permutation(names)[: len(names) // 2])
    in_first = np.array([g in first for g in groups])
    return np.flatnonzero(in_first), np.flatnonzero(~in_first)


def _joint_score(
    splits: dict[str, dict[str, Any]], rows: dict[str, np.ndarray], bias: np.ndarray
) -> dict[str, float]:
    """Macro-F1 of each split's ``rows`` and of all of them together, with ``bias``."""
    scores, ys, preds = {}, [], []
    for name, split in splits.items():
        y, pred = split["y"][rows[name]], (split["log_probs"][rows[name]] + bias).argmax(axis=1)
        scores[name] = macro_f1(y, pred)
        ys.append(y)
        preds.append(pred)
    scores["joint"] = macro_f1(np.concatenate(ys), np.concatenate(preds))
    return scores


def cross_fit(splits: dict[str, dict[str, Any]], labels: list[int], repeats: int) -> dict:
    """Held-out gains of an offset on ``labels`` over ``repeats`` seeded two-way cuts."""
    gains: dict[str, list[float]] = {name: [] for name in [*splits, "joint"]}
    zero = np.zeros(len(LABELS))
    for seed in range(repeats):
        rng = np.random.default_rng(seed)
        cuts = {name: halves(split["groups"], rng) for name, split in splits.items()}
        for fit_half, test_half in ((0, 1), (1, 0)):
            fit_rows = {name: cut[fit_half] for name, cut in cuts.items()}
            test_rows = {name: cut[test_half] for name, cut in cuts.items()}
            ys = np.concatenate([s["y"][fit_rows[n]] for n, s in splits.items()])
            lps = np.concatenate([s["log_probs"][fit_rows[n]] for n, s in splits.items()])
            bias = fit_bias(ys, lps, labels)
            new, old = _joint_score(splits, test_rows, bias), _joint_score(splits, test_rows, zero)
            for name in gains:
                gains[name].append(new[name] - old[name])
    every = {name: np.arange(len(split["y"])) for name, split in splits.items()}
    ys = np.concatenate([s["y"] for s in splits.values()])
    lps = np.concatenate([s["log_probs"] for s in splits.values()])
    bias = fit_bias(ys, lps, labels)
    new, old = _joint_score(splits, every, bias), _joint_score(splits, every, zero)
    return {
        "held_out_gain": {
            name: {"mean": float(np.mean(g)), "min": float(np.min(g)), "max": float(np.max(g))}
            for name, g in gains.items()
        },
        "offset_fitted_on_all": dict(zip(LABELS, map(float, bias), strict=True)),
        "in_sample_gain_on_all": {name: new[name] - old[name] for name in new},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="current-events snapshot")
    parser.add_argument("--articles", help="the pinned wikinews-articles file")
    parser.add_argument("--model", action="append", required=True, help="NAME=PATH or shipped")
    parser.add_argument("--repeats", type=int, default=5, help="seeded two-way cuts")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    named = [named_model(spec) for spec in args.model]
    models = [Classifier.from_pretrained(path) for _, path in named]
    data = comparison_splits("validation", args.source, articles=args.articles)
    per_model: dict[str, dict[str, dict[str, Any]]] = {name: {} for name, _ in named}
    for split, rows in data.items():
        report = evaluate(models, rows, names=[n for n, _ in named], data_name=split)
        groups = [a or i for a, i in zip(rows["article_id"], rows["id"], strict=True)]
        for result in report.results:
            per_model[result.name][split] = {
                "y": np.asarray(report.y_true),
                "log_probs": np.log(np.clip(result.probs, 1e-12, None)),
                "groups": groups,
            }
    results: dict[str, Any] = {"repeats": args.repeats, "grid": GRID.tolist(), "models": {}}
    for name, splits in per_model.items():
        results["models"][name] = {
            variant: cross_fit(splits, labels, args.repeats) for variant, labels in VARIANTS.items()
        }
        for variant, outcome in results["models"][name].items():
            gains = "  ".join(
                f"{split} {g['mean']:+.4f} [{g['min']:+.3f}, {g['max']:+.3f}]"
                for split, g in outcome["held_out_gain"].items()
            )
            print(f"{name:>10} offset on {variant:<11}: held-out gain {gains}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
