"""Teacher, distilled student and the old default side by side, on both test splits.

Each model labels the written test split and the real current-events test split (2023 to
2026) through the path users get on a CPU (int8 ONNX), and with ``--wikinews`` the
wikinews-sources split (whole wire articles of another source, never trained on).
Reported per model and split: macro-F1 with its 95% bootstrap interval, accuracy, ECE
(after each model's temperature scaling), the share of gold ``other`` sentences given a
conflict label, and per-label F1; and for every model against the first (the old
default) the paired bootstrap of the macro-F1 difference. `docs/results.md` quotes the
output.

``--split validation`` runs the same comparison on the two validation splits (written, and
real 2022): that is where a retrained model is chosen, before its test numbers are read.
It adds the joint validation split (both together) and, for each ``--pair NEW=OLD``, the
selection rule fixed since 0.5: ship NEW only if its joint validation macro-F1 is higher
and its real validation macro-F1 is not lower. ``--articles`` adds the wikinews-articles
validation split (whole Wikinews reports, mostly ordinary sentences) and, from 0.11, it
is part of the joint validation split the rule reads.

Usage:
    python benchmarks/model_comparison.py --source current-events-context \\
        --model old-default=runs/old_default --model accurate --model default \\
        [--model accurate-0.2=runs/accurate_0.2 --pair accurate=accurate-0.2] \\
        --out docs/results/model_comparison.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from conflictnlp import Classifier, evaluate, load_dataset
from conflictnlp.data.wikinews import NAME as WIKINEWS
from conflictnlp.data.wikinews_articles import NAME as ARTICLES
from conflictnlp.evaluation.metrics import (
    macro_f1,
    macro_f1_interval,
    ordinary_flagged,
    paired_bootstrap,
)


def named_model(spec: str) -> tuple[str, str]:
    """``name=path`` or a shipped name used as both."""
    name, _, path = spec.partition("=")
    return name, path or name


def parse_pairs(specs: list[str], names: list[str]) -> list[tuple[str, str]]:
    """``NEW=OLD`` specs as (new, old) names, checked before any model is loaded."""
    pairs = []
    for spec in specs:
        new, sep, old = spec.partition("=")
        unknown = [name for name in (new, old) if name not in names]
        if not sep or unknown:
            raise ValueError(
                f"--pair {spec!r}: expected NEW=OLD with both among the --model names "
                f"{names}; unknown: {unknown or 'no ='}."
            )
        pairs.append((new, old))
    return pairs


def _pair_tests(
    y_true: Any, predictions: dict[str, Any], pairs: list[tuple[str, str]]
) -> dict[str, dict]:
    """Paired bootstrap of NEW minus OLD for each pair."""
    tests = {}
    for new, old in pairs:
        test = paired_bootstrap(y_true, predictions[new], predictions[old])
        tests[f"{new} - {old}"] = {k: test[k] for k in ("difference", "ci95", "p_value")}
    return tests


def _print_pairs(pairs: dict[str, dict]) -> None:
    for pair, test in pairs.items():
        low, high = test["ci95"]
        print(f"  {pair}: {test['difference']:+.3f} [{low:+.3f}, {high:+.3f}]")


def selection_rule(split_f1: dict[str, dict[str, float]], new: str, old: str) -> dict[str, Any]:
    """The pre-set rule: higher joint validation macro-F1 and real validation not lower."""
    joint = split_f1["joint_validation"]
    real = split_f1["real_validation"]
    ship = joint[new] > joint[old] and real[new] >= real[old]
    return {
        "joint_validation": [joint[new], joint[old]],
        "real_validation": [real[new], real[old]],
        "ship": ship,
    }


def comparison_splits(
    split: str, source: str, wikinews: str | None = None, articles: str | None = None
) -> dict[str, Any]:
    """The labeled splits a comparison scores, by the names its output uses: the written
    and current-events ``split``, and wikinews-sources test / wikinews-articles validation
    when their files are given."""
    splits = {
        f"written_{split}": load_dataset(split=split),
        f"real_{split}": load_dataset("current-events", split, source=source),
    }
    if wikinews:
        splits["wikinews_test"] = load_dataset(WIKINEWS, "test", source=wikinews)
    if articles:
        splits["articles_validation"] = load_dataset(ARTICLES, "validation", source=articles)
    return splits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="current-events snapshot")
    parser.add_argument(
        "--model",
        action="append",
        required=True,
        help="NAME=PATH or a shipped name; first is the baseline",
    )
    parser.add_argument(
        "--pair",
        action="append",
        default=[],
        metavar="NEW=OLD",
        help="also a paired bootstrap of NEW minus OLD (model names), e.g. a retrained model",
    )
    parser.add_argument(
        "--split",
        choices=("test", "validation"),
        default="test",
        help="compare on the test splits (default) or choose on the validation splits",
    )
    parser.add_argument(
        "--wikinews",
        metavar="FILE",
        help="also the wikinews-sources test split (whole wire articles), rebuilt from the "
        "pinned WikinewsSum file; test comparisons only: it never chooses a model",
    )
    parser.add_argument(
        "--articles",
        metavar="FILE",
        help="also the wikinews-articles validation split (whole Wikinews reports), rebuilt "
        "from the pinned MomentumDecoding file; with --split validation only (the corpus "
        "has no test split), and part of the joint validation split",
    )
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument(
        "--reports",
        type=Path,
        help="also save the HTML/markdown reports of the written split here",
    )
    args = parser.parse_args()

    named = [named_model(spec) for spec in args.model]
    names = [name for name, _ in named]
    try:
        pairs_to_test = parse_pairs(args.pair, names)
    except ValueError as error:
        parser.error(str(error))
    if args.wikinews and args.split == "validation":
        parser.error("--wikinews is a held-out check of the test comparison, not for choosing")
    if args.articles and args.split == "test":
        parser.error("--articles has train and validation splits only: use --split validation")
    models = [Classifier.from_pretrained(path) for _, path in named]
    splits = comparison_splits(args.split, args.source, args.wikinews, args.articles)
    results: dict = {"models": dict(named), "splits": {}}
    joint_true, joint_predictions = [], {name: [] for name in names}
    for split, data in splits.items():
        report = evaluate(models, data, names=names, data_name=split)
        if args.reports and split.startswith("written_"):
            # reports quote misclassified sentences: only our own written text goes into
            # the repository, never the real news text (its numbers are in --out)
            report.save(args.reports / split)
        predictions = {r.name: r.probs.argmax(axis=1) for r in report.results}
        per_model = {}
        for result in report.results:
            m = result.metrics
            per_model[result.name] = {
                "n": m["n"],
                "macro_f1": m["macro_f1"],
                "macro_f1_ci95": m["macro_f1_ci95"],
                "accuracy": m["accuracy"],
                "ece": m["ece"],
                "ordinary_flagged": ordinary_flagged(report.y_true, predictions[result.name]),
                "per_label_f1": {k: v["f1"] for k, v in m["per_label"].items()},
            }
        # report.comparisons hold baseline - model; flip them to model - baseline
        versus = {
            c["b"]: {
                "difference": -c["difference"],
                "ci95": sorted(-x for x in c["ci95"]),
                "p_value": c["p_value"],
            }
            for c in report.comparisons
        }
        joint_true.append(report.y_true)
        for name, predicted in predictions.items():
            joint_predictions[name].append(predicted)
        pairs = _pair_tests(report.y_true, predictions, pairs_to_test)
        results["splits"][split] = {
            "models": per_model,
            "versus_baseline": versus,
            "pairs": pairs,
        }
        print(f"\n{split} (n={len(data)})")
        for name, m in per_model.items():
            low, high = m["macro_f1_ci95"]
            line = f"  {name:<14} macro-F1 {m['macro_f1']:.3f} [{low:.3f}, {high:.3f}]"
            line += f"  ECE {m['ece']:.3f}  other flagged {m['ordinary_flagged']:.3f}"
            if name in versus:
                d = versus[name]
                line += f"  vs {names[0]}: {d['difference']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]"
            print(line)
        # after the split's own lines (they were printed under the previous split's)
        _print_pairs(pairs)
    if args.split == "validation":
        results["splits"]["joint_validation"] = _joint(
            names, joint_true, joint_predictions, pairs_to_test
        )
        split_f1 = {
            split: {name: m["macro_f1"] for name, m in entry["models"].items()}
            for split, entry in results["splits"].items()
        }
        results["selection"] = {}
        for new, old in pairs_to_test:
            decision = selection_rule(split_f1, new, old)
            results["selection"][f"{new} vs {old}"] = decision
            verdict = f"ship {new}" if decision["ship"] else f"keep {old}"
            print(f"\nselection rule, {new} vs {old}: {verdict}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def _joint(
    names: list[str],
    y_true: list[Any],
    predictions: dict[str, list[Any]],
    pairs: list[tuple[str, str]],
) -> dict[str, Any]:
    """Macro-F1 of each model over both validation splits together, and the pair tests."""
    truth = np.concatenate(y_true)
    joint = {name: np.concatenate(parts) for name, parts in predictions.items()}
    per_model = {
        name: {
            "n": len(truth),
            "macro_f1": macro_f1(truth, joint[name]),
            "macro_f1_ci95": macro_f1_interval(truth, joint[name]),
        }
        for name in names
    }
    pair_tests = _pair_tests(truth, joint, pairs)
    print(f"\njoint_validation (n={len(truth)})")
    for name, m in per_model.items():
        low, high = m["macro_f1_ci95"]
        print(f"  {name:<14} macro-F1 {m['macro_f1']:.3f} [{low:.3f}, {high:.3f}]")
    _print_pairs(pair_tests)
    return {"models": per_model, "pairs": pair_tests}


if __name__ == "__main__":
    main()
