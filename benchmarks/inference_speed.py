"""Throughput and accuracy of conflictnlp's inference paths against a plain HF pipeline.

One process, the same sentences (the project's test split) and the same fine-tuned
encoder for every path. The baseline is what a user would write: the shipped model's
weights merged into a plain folder and run through ``pipeline("text-classification")``.

Run: ``.venv/bin/python benchmarks/inference_speed.py`` (writes docs/results/inference_speed.md).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def timed(fn, n_sentences: int, repeats: int = 3) -> float:
    """Best-of-``repeats`` sentences per second."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n_sentences / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="default")
    parser.add_argument("--single", type=int, default=200, help="sentences timed at batch size 1")
    parser.add_argument("--repeats", type=int, default=3, help="best of N timed runs at batch 32")
    parser.add_argument(
        "--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "results")
    )
    args = parser.parse_args()

    import torch
    from _machine import describe_machine
    from sklearn.metrics import f1_score
    from transformers import AutoTokenizer, pipeline

    from conflictnlp import Classifier, load_dataset
    from conflictnlp.inference.classifier import _resolve_folder
    from conflictnlp.inference.torch_backend import load_torch_model
    from conflictnlp.quiet import quiet

    test = load_dataset(split="test")
    texts, gold = list(test["text"]), np.asarray(test["label"])
    folder = _resolve_folder(args.model)
    threads = torch.get_num_threads()

    # The baseline: the same weights in a plain folder, through a plain pipeline.
    merged = Path(tempfile.mkdtemp()) / "merged"
    load_torch_model(folder).save_pretrained(merged)
    AutoTokenizer.from_pretrained(folder).save_pretrained(merged)
    with quiet():
        pipe = pipeline("text-classification", model=str(merged), device=-1)

    def pipe_labels(batch_size: int, sentences: list[str]) -> list[int]:
        out = pipe(sentences, batch_size=batch_size, truncation=True)
        return [pipe.model.config.label2id[o["label"]] for o in out]

    paths = {
        "conflictnlp onnx int8": Classifier.from_pretrained(
            folder, backend="onnx", onnx_recipe="int8"
        ),
        "conflictnlp onnx int8, per-batch scales (before 0.1.1)": Classifier.from_pretrained(
            folder, backend="onnx", onnx_recipe="int8-dynamic"
        ),
        "conflictnlp onnx fp32": Classifier.from_pretrained(
            folder, backend="onnx", onnx_recipe="fp32"
        ),
        "conflictnlp torch fp32": Classifier.from_pretrained(folder, backend="torch"),
    }
    rows = []
    single = texts[: args.single]
    base_pred = np.asarray(pipe_labels(32, texts))
    base_f1 = f1_score(gold, base_pred, average="macro")
    base32 = timed(lambda: pipe_labels(32, texts), len(texts), args.repeats)
    base1 = timed(lambda: pipe_labels(1, single), len(single), repeats=1)
    rows.append(
        {
            "path": "HF pipeline (baseline)",
            "bs1": base1,
            "bs32": base32,
            "macro_f1": base_f1,
            "agree": 1.0,
        }
    )
    for name, clf in paths.items():
        pred = clf.predict_proba(texts, batch_size=32).argmax(1)
        bs32 = timed(lambda c=clf: c.predict_proba(texts, batch_size=32), len(texts), args.repeats)
        bs1 = timed(lambda c=clf: [c.predict_proba([t]) for t in single], len(single), repeats=1)
        rows.append(
            {
                "path": name,
                "bs1": bs1,
                "bs32": bs32,
                "macro_f1": f1_score(gold, pred, average="macro"),
                "agree": float((pred == base_pred).mean()),
            }
        )

    lines = [
        "# Inference speed (benchmarks/inference_speed.py)",
        "",
        f"Machine: {describe_machine()}; torch threads: {threads}.",
        f"Model: {args.model}. Sentences: the {len(texts)} sentences of the test split (batch "
        f"size 32, best of {args.repeats}) and "
        f"the first {len(single)} one at a time (batch size 1).",
        "",
        "| inference path | sent/s, batch 1 | sent/s, batch 32 | x pipeline (batch 32) | macro-F1 (test) | labels equal to full precision |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['path']} | {r['bs1']:.0f} | {r['bs32']:.0f} | {r['bs32'] / base32:.2f} | "
            f"{r['macro_f1']:.4f} | {r['agree'] * 100:.2f}% |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "inference_speed.md").write_text(text)
    (out / "inference_speed.json").write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
