"""What one training step of a base encoder costs on this machine, by how much of it trains.

The numbers that planned `configs/accurate.yaml` (docs/results.md, "Training the teacher
on 2 CPU cores"): the real training sentences' token lengths, training sentences per
second with LoRA on every block or only the top N (``model.lora_layers``), the same
with the frozen blocks' outputs cached (``training.cache_frozen_blocks``: the cost of the
one pass that fills the cache, then of each replayed step), and the forward pass alone.
Random batches of real training sentences, PyTorch fp32; one untimed warm-up step first.

Usage:
    python benchmarks/training_step_speed.py --source current-events-context \\
        [--base all-mpnet-base-v2] [--out docs/results/training_step_speed.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from conflictnlp.data import load_dataset
from conflictnlp.inference.base_model import resolve_model_path
from conflictnlp.inference.torch_backend import model_input_names
from conflictnlp.training.config import TrainConfig
from conflictnlp.training.frozen_blocks import FROZEN_HIDDEN, FrozenBlockCache
from conflictnlp.training.trainer import _build_model


def _train_rate(model: torch.nn.Module, batches: list[dict]) -> float:
    """Training sentences per second over ``batches``, after one untimed warm-up step."""
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad])

    def step(batch: dict) -> None:
        labels = torch.zeros(len(batch["input_ids"]), dtype=torch.long)
        model(**batch, labels=labels).loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    step(batches[0])
    start = time.perf_counter()
    for batch in batches:
        step(batch)
    return sum(len(b["input_ids"]) for b in batches) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="current-events snapshot")
    parser.add_argument("--base", default="all-mpnet-base-v2")
    parser.add_argument("--layers", default="all,4,2", help="LoRA on these top-N blocks")
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--out", type=Path, default=Path("docs/results/training_step_speed.json"))
    args = parser.parse_args()

    from _machine import describe_machine
    from transformers import AutoTokenizer

    texts = list(load_dataset("current-events", "train", source=args.source)["text"])
    tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(args.base))
    lengths = np.array([len(ids) for ids in tokenizer(texts)["input_ids"]])
    rng = np.random.default_rng(0)
    picked = rng.choice(len(texts), args.batches * args.batch_size, replace=False)
    batches = [
        tokenizer(
            [texts[i] for i in picked[b * args.batch_size : (b + 1) * args.batch_size]],
            padding=True,
            truncation=True,
            max_length=128,
            return_tensors="pt",
        )
        for b in range(args.batches)
    ]
    results: dict = {
        "machine": describe_machine(),
        "torch_threads": torch.get_num_threads(),
        "base": args.base,
        "tokens": {
            "mean": float(lengths.mean()),
            "p50": int(np.percentile(lengths, 50)),
            "p95": int(np.percentile(lengths, 95)),
            "p99": int(np.percentile(lengths, 99)),
            "max": int(lengths.max()),
        },
        "train_sentences_per_second": {},
        "frozen_pass_sentences_per_second": {},
    }
    model = None
    for spec in args.layers.split(","):
        cfg = TrainConfig()
        cfg.model.base_model = args.base
        cfg.model.lora_layers = None if spec == "all" else int(spec)
        model = _build_model(cfg).train()
        accepted = model_input_names(model)
        inputs = [{k: v for k, v in batch.items() if k in accepted} for batch in batches]
        rate = _train_rate(model, inputs)
        results["train_sentences_per_second"][f"lora_{spec}"] = rate
        print(f"LoRA on {spec} blocks: {rate:.1f} training sentences/s", flush=True)
        if spec == "all":
            continue
        cache = FrozenBlockCache(model, int(spec))
        start = time.perf_counter()
        rows = [list(cache.add([batch])) for batch in inputs]
        fill = len(picked) / (time.perf_counter() - start)
        results["frozen_pass_sentences_per_second"][f"lora_{spec}"] = fill
        replayed = [
            {**batch, FROZEN_HIDDEN: cache.padded(r, batch["attention_mask"])}
            for batch, r in zip(inputs, rows, strict=True)
        ]
        model.train()
        with cache.replay():
            rate = _train_rate(model, replayed)
        results["train_sentences_per_second"][f"lora_{spec}_cached"] = rate
        print(f"  cached: {fill:.1f} sentences/s to fill, {rate:.1f} training sentences/s")
    assert model is not None
    model.eval()
    with torch.inference_mode():
        start = time.perf_counter()
        for batch in inputs:
            model(**batch)
        results["forward_sentences_per_second"] = len(picked) / (time.perf_counter() - start)
    print(f"forward only: {results['forward_sentences_per_second']:.1f} sentences/s")
    print(f"tokens: {results['tokens']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
