"""``train``: fine-tune an encoder on labeled sentences and save a ready model folder.

One training loop, the transformers ``Trainer``; this module only wires data, model,
calibration and reporting around it, in numbered steps. CPU by default; on a GPU the
Trainer runs in bf16 (or fp16 where bf16 is missing); several GPUs or machines work
through ``accelerate launch -m conflictnlp.cli train ...``.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .base_model import resolve_model_path
from .config import TrainConfig, load_config
from .encoding import SentenceEncoder
from .labels import ID2LABEL, LABEL2ID, LABELS
from .model_files import CONFIG_KEY, ModelSettings, settings_dict
from .quiet import quiet

CHECKPOINTS = "checkpoints"


def mixed_precision(device_type: str, bf16_supported: bool) -> str:
    """The precision the Trainer should use: "bf16" or "fp16" on CUDA, "no" elsewhere."""
    if device_type != "cuda":
        return "no"
    return "bf16" if bf16_supported else "fp16"


def _detect_precision() -> str:
    import torch

    cuda = torch.cuda.is_available()
    return mixed_precision("cuda" if cuda else "cpu", cuda and torch.cuda.is_bf16_supported())


def _encode_split(dataset: Any, encoder: SentenceEncoder, use_context: bool) -> Any:
    """Tokenise with the same encoder that inference uses, so ids always match."""
    from .evaluation import previous_sentences

    contexts = previous_sentences(dataset) if use_context else None
    encodings, _ = encoder.encode(list(dataset["text"]), contexts)
    return (
        dataset.add_column("input_ids", [e.ids for e in encodings])
        .add_column("token_type_ids", [e.type_ids for e in encodings])
        .add_column("attention_mask", [e.attention_mask for e in encodings])
    )


def _build_model(config: TrainConfig) -> Any:
    from transformers import AutoModelForSequenceClassification

    with quiet():
        model = AutoModelForSequenceClassification.from_pretrained(
            resolve_model_path(config.model.base_model),
            num_labels=len(LABELS),
            id2label=dict(ID2LABEL),
            label2id=dict(LABEL2ID),
        )
    if config.model.method == "full":
        return model
    from peft import LoraConfig, TaskType, get_peft_model

    lora = LoraConfig(
        task_type=TaskType.SEQ_CLS,
        r=config.model.lora_r,
        lora_alpha=config.model.lora_alpha,
        lora_dropout=config.model.lora_dropout,
        target_modules=config.model.lora_target_modules,
        modules_to_save=["classifier", "pooler", "token_type_embeddings"],
    )
    with quiet():
        return get_peft_model(model, lora)


def _compute_metrics(eval_pred: Any) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    logits, labels = eval_pred
    preds = np.asarray(logits).argmax(axis=1)
    return {
        "macro_f1": float(
            f1_score(
                labels, preds, average="macro", labels=list(range(len(LABELS))), zero_division=0
            )
        ),
        "accuracy": float(accuracy_score(labels, preds)),
    }


def _interrupted_note(checkpoints: Path) -> str:
    """What a user can do after Ctrl-C: resume from the last checkpoint, if there is one."""
    saved = sorted(checkpoints.glob("checkpoint-*"), key=lambda p: p.stat().st_mtime)
    if not saved:
        return "Training stopped before its first checkpoint; run the same command to start again."
    return (
        f"Training stopped; the last checkpoint is {saved[-1]}. Run the same command with "
        "--resume to continue from it."
    )


def train(
    config: TrainConfig | str | Path,
    output_dir: str | Path | None = None,
    resume: bool = False,
) -> Path:
    """Fine-tune, calibrate, evaluate and save a model; return its folder.

    Args:
        config: A :class:`TrainConfig` or the path of a YAML config (see ``configs/``).
        output_dir: Overrides ``training.output_dir``.
        resume: Continue an interrupted run from its last epoch checkpoint.

    Example:
        >>> path = train("configs/smoke.yaml", output_dir="runs/smoke")  # doctest: +SKIP
        >>> Classifier.from_pretrained(path).predict("Talks resumed.").label  # doctest: +SKIP
        'diplomatic_move'
    """
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, set_seed

    from .data import load_dataset

    # 1. Configuration and seed.
    cfg = config if isinstance(config, TrainConfig) else load_config(config)
    out = Path(output_dir or cfg.training.output_dir)
    if output_dir is not None:
        cfg.training.output_dir = str(out)
    checkpoints = out / CHECKPOINTS
    if resume and not any(checkpoints.glob("checkpoint-*")):
        raise FileNotFoundError(f"--resume: no checkpoint in {checkpoints} to resume from.")
    out.mkdir(parents=True, exist_ok=True)
    set_seed(cfg.training.seed)

    # 2. Data: the shipped splits or the user's, checked; optional subsets for smoke runs.
    splits = load_dataset(cfg.data.path)
    limits = {
        "train": cfg.data.max_train_samples,
        "validation": cfg.data.max_eval_samples,
        "test": cfg.data.max_eval_samples,
    }
    for name, limit in limits.items():
        if limit is not None and limit < len(splits[name]):
            splits[name] = splits[name].shuffle(seed=cfg.training.seed).select(range(limit))

    # 3. Tokeniser (saved first: inference reads tokenizer.json from the model folder).
    from transformers import AutoTokenizer

    with quiet():
        tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(cfg.model.base_model))
    tokenizer.save_pretrained(out)
    encoder = SentenceEncoder(out / "tokenizer.json", cfg.model.max_length)
    keep = ["input_ids", "token_type_ids", "attention_mask", "label"]
    encoded = {
        name: _encode_split(split, encoder, cfg.model.use_context).select_columns(keep)
        for name, split in splits.items()
    }

    # 4. Model and Trainer.
    model = _build_model(cfg)
    precision = _detect_precision()
    step_limited = cfg.training.max_steps > 0
    args = TrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=cfg.training.epochs,
        max_steps=cfg.training.max_steps,
        per_device_train_batch_size=cfg.training.batch_size,
        per_device_eval_batch_size=cfg.training.eval_batch_size,
        learning_rate=cfg.training.learning_rate,
        weight_decay=cfg.training.weight_decay,
        warmup_steps=cfg.training.warmup_ratio,
        lr_scheduler_type="linear",
        # a step-limited run (smoke tests) evaluates and saves once, at its last step
        eval_strategy="steps" if step_limited else "epoch",
        save_strategy="steps" if step_limited else "epoch",
        eval_steps=cfg.training.max_steps if step_limited else None,
        save_steps=cfg.training.max_steps if step_limited else 500,
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        save_total_limit=None,
        logging_strategy="epoch",
        seed=cfg.training.seed,
        data_seed=cfg.training.seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        report_to="none",
        dataloader_num_workers=0,
        dataloader_pin_memory=precision != "no",
    )
    started = time.perf_counter()
    with quiet():  # peft and transformers deprecation notices; progress bars stay on
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=encoded["train"],
            eval_dataset=encoded["validation"],
            data_collator=DataCollatorWithPadding(tokenizer),
            compute_metrics=_compute_metrics,
        )
        try:
            trainer.train(resume_from_checkpoint=True if resume else None)
        except KeyboardInterrupt:
            raise KeyboardInterrupt(_interrupted_note(checkpoints)) from None
    train_seconds = time.perf_counter() - started

    # 5. Calibrate: one temperature fitted on validation logits.
    from .calibration import fit_temperature

    val_logits = np.asarray(trainer.predict(encoded["validation"]).predictions)
    temperature = fit_temperature(val_logits, np.asarray(encoded["validation"]["label"]))

    # 6. Save: weights as safetensors, config with labels and our settings, tokenizer.
    trained: Any = trainer.model
    trained.save_pretrained(out, safe_serialization=True)
    base_config = (trained.get_base_model() if cfg.model.method == "lora" else trained).config
    settings = ModelSettings(
        temperature=temperature,
        max_length=cfg.model.max_length,
        use_context=cfg.model.use_context,
        base_model=cfg.model.base_model,
        version=__version__,
        name=cfg.model.name,
    )
    config_dict = base_config.to_dict()
    config_dict[CONFIG_KEY] = settings_dict(settings)
    config_dict.pop("_name_or_path", None)
    (out / "config.json").write_text(json.dumps(config_dict, indent=2) + "\n", encoding="utf-8")
    (out / "training_config.json").write_text(
        json.dumps(cfg.to_dict(), indent=2) + "\n", encoding="utf-8"
    )

    # 7. Evaluate the saved folder as users will load it, write metrics, report and card.
    from .evaluation import evaluate, subset_masks
    from .model_card import write_model_card
    from .modeling import Classifier

    clf = Classifier.from_pretrained(out, backend="torch", device="auto")
    val_report = evaluate(clf, splits["validation"], data_name="validation split")
    test_report = evaluate(
        clf,
        splits["test"],
        group_by="setting" if "setting" in splits["test"].column_names else None,
        data_name="test split",
    )
    if cfg.training.write_report:
        test_report.save(out / "evaluation")
    from .metrics import macro_f1

    seen = (
        set(splits["train"]["setting"]) | set(splits["validation"]["setting"])
        if ("setting" in splits["train"].column_names)
        else None
    )
    predicted = test_report.results[0].probs.argmax(axis=1)
    subsets = {
        name: {
            "n": int(mask.sum()),
            "macro_f1": macro_f1(test_report.y_true[mask], predicted[mask]),
        }
        for name, mask in subset_masks(splits["test"], seen).items()
        if name != "all" and mask.any()
    }
    metrics = {
        "validation": _summary(val_report),
        "test": _summary(test_report),
        "test_subsets": subsets,
        "temperature": temperature,
        "train_seconds": round(train_seconds, 1),
        "precision": precision,
        "train_size": len(splits["train"]),
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    write_model_card(out, cfg, metrics)

    # 8. Drop the per-epoch checkpoints (they hold pickled optimizer state) unless asked.
    if not cfg.training.keep_checkpoints:
        shutil.rmtree(checkpoints, ignore_errors=True)
    return out


def _summary(report: Any) -> dict[str, Any]:
    m = report.metrics
    keys = ("n", "accuracy", "macro_f1", "macro_f1_ci95", "ece", "per_label")
    return {k: m[k] for k in keys}
