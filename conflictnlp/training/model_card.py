"""The model card (README.md) written beside every trained model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import __version__
from ..labels import LABELS
from .config import TrainConfig


def _row(split: str, m: dict[str, Any]) -> str:
    ci = m["macro_f1_ci95"]
    return (
        f"| {split} | {m['n']} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} "
        f"| [{ci[0]:.3f}, {ci[1]:.3f}] | {m['ece']:.3f} |"
    )


def _subsets(metrics: dict[str, Any]) -> str:
    subsets = metrics.get("test_subsets", {})
    if not subsets:
        return ""
    rows = "\n".join(f"| {name} | {v['n']} | {v['macro_f1']:.3f} |" for name, v in subsets.items())
    return f"Parts of the test split:\n\n| part | n | macro-F1 |\n|---|---|---|\n{rows}"


def write_model_card(folder: Path, config: TrainConfig, metrics: dict[str, Any]) -> Path:
    """Write ``README.md`` with intended use, labels, data, metrics, limits and recipe."""
    blocks = (
        f"the top {config.model.lora_layers} blocks of"
        if config.model.lora_layers
        else "every block of"
    )
    method = (
        f"LoRA adapters (rank {config.model.lora_r}) on {blocks} the frozen encoder, plus the "
        "classification head"
        if config.model.method == "lora"
        else "full fine-tuning of every weight"
    )
    data = config.data.path or "the written conflictnlp dataset shipped with the package"
    if config.data.real_news:
        data += (
            " plus the real news sentences of current-events (train 2002-2021, validation "
            "2022; test 2023-2026 reported below)"
        )
    if config.data.articles:
        keep = config.data.articles_keep_other
        thinned = f"; {keep:.0%} of their training sentences labeled `other`" if keep < 1 else ""
        data += (
            " plus the sentences of whole Wikinews reports of wikinews-articles (train and "
            f"validation splits, mostly ordinary news{thinned})"
        )
    # The card's numbers come from the torch evaluation at the end of training; int8
    # rounding moves a model's labels, so the card says where the CPU path's numbers are.
    cpu_note = (
        "; int8 ONNX moves them by a few tenths of a point,\n  more or less by CPU "
        "(conflictnlp's docs/results.md reports the shipped models that way)"
        if config.model.onnx_recipe.startswith("int8")
        else "; fp32 ONNX gives the same labels to rounding"
    )
    distilled = ""
    if config.training.teacher:
        weight = config.training.distill_pool_weight
        weighing = f", each weighing {weight} of a gold sentence" if weight != 1 else ""
        pool = (
            f" and {config.data.max_pool_samples or 'all'} unlabeled sentences of the pool "
            f"`{config.data.pool}` (up to {config.data.pool_last_year}{weighing})"
            if config.data.pool
            else ""
        )
        distilled = (
            f"- Distilled from `{config.training.teacher}`: its soft labels (temperature "
            f"{config.training.distill_temperature}) over the training sentences{pool}, "
            f"weight {config.training.distill_alpha} against the gold labels.\n"
        )
    per_label = "\n".join(
        f"| {label} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
        for label, v in metrics["test"]["per_label"].items()
    )
    text = f"""---
library_name: conflictnlp
pipeline_tag: text-classification
language: en
license: apache-2.0
base_model: {config.model.base_model}
tags: [conflict, event-coding, news]
---

# {config.model.name}

A sentence classifier for armed-conflict news, trained with conflictnlp {__version__}.

## Intended use
Labelling sentences of English news about armed conflict, one label a sentence, to find
attacks, casualty reports, diplomatic moves and allegations in large volumes of text, as a
first pass for human coders (ACLED- or PLOVER-style work). Not for decisions about
individuals, and not a substitute for verification: it reports what a sentence says, not
whether it is true.

## Labels
{", ".join(f"`{i}` {name}" for i, name in enumerate(LABELS))}. The codebook that defines them
is `docs/codebook.md` in the conflictnlp repository.

## Training
- Base encoder: `{config.model.base_model}`; method: {method}.
- Data: {data}; {metrics["train_size"]} training sentences.
{distilled}- Epochs {config.training.epochs}, batch size {config.training.batch_size}, learning rate
  {config.training.learning_rate}, seed {config.training.seed}; best epoch chosen on
  validation macro-F1. Training took {metrics["train_seconds"]} s (precision: {metrics["precision"]}).
- Context: {"the previous sentence of an article is read as a sentence pair" if config.model.use_context else "each sentence is read alone"}.
- Scores are calibrated by temperature scaling on the validation split
  (T = {metrics["temperature"]:.3f}).
- On a CPU it runs through ONNX Runtime, {config.model.onnx_recipe} unless the caller picks
  another recipe. The results below are this folder's at the end of training, through
  PyTorch in full precision (as a GPU runs it){cpu_note}.

## Results
| split | n | accuracy | macro-F1 | macro-F1 95% CI | ECE |
|---|---|---|---|---|---|
{_row("validation", metrics["validation"])}
{_row("test", metrics["test"])}
{_row("real news test", metrics["test_real"]) if "test_real" in metrics else ""}

{_subsets(metrics)}

Per label on the test split:

| label | precision | recall | F1 | support |
|---|---|---|---|---|
{per_label}

## Limitations
- English only. The written sentences were composed for this project; the real news
  sentences are one-line summaries from one portal. Wire copy from unseen sources will
  score lower than either test split.
- One label per sentence: a sentence reporting an attack and a toll gets the label the
  codebook's precedence picks (casualty_report).
- Reported claims are labelled as reported; the model does not verify them.

## Reproduce
```
conflictnlp train --config <this config> --output {folder.name}
```
The resolved configuration is in `training_config.json` beside this card.
"""
    path = folder / "README.md"
    path.write_text(text, encoding="utf-8")
    return path
