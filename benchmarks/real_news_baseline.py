"""Score a model on the real current-events test split next to the written test split.

Writes the numbers `docs/results.md` quotes for "the shipped model on real news before
retraining": macro-F1 with its bootstrap interval, per-label scores, the confusion matrix
and the ten largest confusion pairs, on both splits, so the gap is visible.

Usage:
    python benchmarks/real_news_baseline.py --source current-events-context \\
        --out docs/results/real_news_baseline.json [--model default]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from conflictnlp import Classifier, load_dataset
from conflictnlp.evaluation.metrics import compute_metrics
from conflictnlp.labels import LABELS


def largest_confusions(matrix: list[list[int]], top: int = 10) -> list[dict]:
    """Off-diagonal cells of a confusion matrix (rows gold, columns predicted), largest first."""
    cells = [
        {"gold": LABELS[g], "predicted": LABELS[p], "count": count}
        for g, row in enumerate(matrix)
        for p, count in enumerate(row)
        if g != p and count
    ]
    return sorted(cells, key=lambda c: -c["count"])[:top]


def score(clf: Classifier, dataset) -> dict:
    probs = clf.predict_proba(list(dataset["text"]), batch_size=64)
    gold = np.asarray(dataset["label"])
    metrics = compute_metrics(gold, probs)
    metrics["largest_confusions"] = largest_confusions(metrics["confusion_matrix"])
    if "label_alt" in dataset.column_names:
        # A prediction equal to the adjudicator's second acceptable label counts as right.
        alt = [LABELS.index(a) if a else -1 for a in dataset["label_alt"]]
        pred = probs.argmax(axis=1)
        lenient = np.where(pred == np.asarray(alt), pred, gold)
        metrics["macro_f1_accepting_label_alt"] = compute_metrics(lenient, probs)["macro_f1"]
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", required=True, help="current-events snapshot (folder or archive)"
    )
    parser.add_argument("--model", default="default")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    clf = Classifier.from_pretrained(args.model)
    results = {
        "model": args.model,
        "written_test": score(clf, load_dataset(split="test")),
        "real_test": score(clf, load_dataset("current-events", "test", source=args.source)),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for name in ("written_test", "real_test"):
        m = results[name]
        low, high = m["macro_f1_ci95"]
        print(f"{name}: n={m['n']} macro-F1 {m['macro_f1']:.3f} [{low:.3f}, {high:.3f}]")
        for label, s in m["per_label"].items():
            print(
                f"  {label:<16} P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f} n {s['support']}"
            )
        for c in m["largest_confusions"]:
            print(f"  gold {c['gold']:<16} -> {c['predicted']:<16} {c['count']}")


if __name__ == "__main__":
    main()
