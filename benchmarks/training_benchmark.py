"""Train every approach on the same train split, score all on the same test split.

Records CPU training time and macro-F1 (whole test split, article sentences, settings
unseen in training, hard cases) for: TF-IDF + logistic regression, frozen encoder
embeddings + logistic regression, SetFit, full fine-tuning (configs/full.yaml) and the
shipped LoRA recipe (configs/default.yaml), plus any extra configs given.

Run: ``.venv/bin/python benchmarks/training_benchmark.py [--only NAME ...]``
(writes docs/results/training.md and .json; takes about 15 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def fine_tuned(config: str, reuse: bool):
    """Train a config (or reuse its finished run folder); return test predictions and time."""

    def run(splits):
        from conflictnlp import Classifier, train
        from conflictnlp.evaluation.report import previous_sentences

        out = ROOT / "runs" / Path(config).stem
        if not (reuse and (out / "metrics.json").is_file()):
            train(ROOT / config, output_dir=out)
        seconds = json.loads((out / "metrics.json").read_text())["train_seconds"]
        clf = Classifier.from_pretrained(out, backend="torch")
        test = splits["test"]
        probs = clf.predict_proba(list(test["text"]), contexts=previous_sentences(test))
        return probs.argmax(1), seconds

    return run


def timed_baseline(fn):
    """Wrap a baseline so that it reports its own fit-and-predict time."""

    def run(splits):
        start = time.perf_counter()
        pred = fn(splits)
        return pred, time.perf_counter() - start

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="run only these approaches")
    parser.add_argument("--config", nargs="*", default=[], help="extra configs to compare")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse finished runs/<config> folders instead of retraining",
    )
    args = parser.parse_args()

    import torch
    from _machine import describe_machine

    from conflictnlp import load_dataset
    from training import baselines
    from training.subsets import subset_scores, test_subsets

    approaches = {
        "TF-IDF + logistic regression": timed_baseline(baselines.tfidf_logreg),
        "frozen MiniLM embeddings + logistic regression": timed_baseline(
            baselines.embeddings_logreg
        ),
        "SetFit (MiniLM, 2 pairs/sentence, 1 epoch)": timed_baseline(baselines.setfit),
        "full fine-tuning (configs/full.yaml)": fine_tuned("configs/full.yaml", args.reuse),
        "shipped: LoRA (configs/default.yaml)": fine_tuned("configs/default.yaml", args.reuse),
    }
    for extra in args.config:
        approaches[f"{Path(extra).stem} ({extra})"] = fine_tuned(extra, args.reuse)
    if args.only:
        approaches = {k: v for k, v in approaches.items() if any(o in k for o in args.only)}

    splits = load_dataset()
    gold = np.asarray(splits["test"]["label"])
    masks = test_subsets(splits)
    results_file = ROOT / "docs" / "results" / "training.json"
    results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    for name, fn in approaches.items():
        print(f"== {name}", flush=True)
        try:
            pred, seconds = fn(splits)
        except ImportError as err:
            print(f"   skipped: {err}")
            continue
        results[name] = {
            "train_s": round(seconds, 1),
            **subset_scores(gold, np.asarray(pred), masks),
        }
        print(f"   {results[name]}", flush=True)

    sizes = {k: int(v.sum()) for k, v in masks.items()}
    lines = [
        "# Training benchmark (benchmarks/training_benchmark.py)",
        "",
        f"Machine: {describe_machine()}; torch threads: {torch.get_num_threads()}; no GPU.",
        f"Train split: {len(splits['train'])} sentences; test split: {sizes['all']} "
        f"({sizes['article sentences']} from whole articles, {sizes['unseen settings']} from "
        f"settings unseen in training, {sizes['hard cases']} hard cases).",
        "Time is wall-clock training time on the CPU (for the scikit-learn and SetFit "
        "baselines, fitting plus predicting the test split; for fine-tuned models, the "
        "Trainer's training loop with its per-epoch validation).",
        "",
        "| approach | CPU time (s) | macro-F1 test | article sentences | unseen settings | hard cases |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['train_s']:.0f} | {r['all']:.3f} | "
            f"{r['article sentences']:.3f} | {r['unseen settings']:.3f} | {r['hard cases']:.3f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "docs" / "results" / "training.md").write_text(text)


if __name__ == "__main__":
    main()
