"""``train``: fine-tune an encoder on labeled sentences and save a ready model folder.

One training loop, the transformers ``Trainer``; this module only wires data, model,
calibration and reporting around it, in numbered steps. CPU by default; on a GPU the
Trainer runs in bf16 (or fp16 where bf16 is missing); several GPUs or machines work
through ``accelerate launch -m conflictnlp.cli train ...``.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from ..inference.base_model import resolve_model_path
from ..inference.encoding import SentenceEncoder
from ..inference.model_files import CONFIG_KEY, ModelSettings, settings_dict
from ..labels import ID2LABEL, LABEL2ID, LABELS
from ..quiet import quiet
from .config import TrainConfig, load_config

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
    from ..evaluation.report import previous_sentences

    contexts = previous_sentences(dataset) if use_context else None
    encodings, _ = encoder.encode(list(dataset["text"]), contexts)
    return (
        dataset.add_column("input_ids", [e.ids for e in encodings])
        .add_column("token_type_ids", [e.type_ids for e in encodings])
        .add_column("attention_mask", [e.attention_mask for e in encodings])
    )


# An encoder block's modules are named "<...>.layer.<index>.<...>" (BERT, MPNet, RoBERTa,
# DistilBERT's "transformer.layer") or "<...>.layers.<index>.<...>".
_BLOCK = re.compile(r"(?:^|\.)layers?\.(\d+)\.")


def lora_targets(model: Any, suffixes: list[str], top_layers: int | None) -> list[str]:
    """Full names of the linear layers that get LoRA adapters, whatever the architecture.

    Every ``nn.Linear`` inside an encoder block (attention projections and the feed-forward
    layers: BERT's ``query``/``key``/``value``/``dense``, MPNet's ``q``/``k``/``v``/``o``),
    narrowed to names ending in one of ``suffixes`` when given, and to the top
    ``top_layers`` blocks when given. The head and the pooler are outside the blocks.
    """
    import torch

    found: list[tuple[int, str]] = []
    for name, module in model.named_modules():
        block = _BLOCK.search(name)
        if block is None or not isinstance(module, torch.nn.Linear):
            continue
        if suffixes and not any(name == s or name.endswith("." + s) for s in suffixes):
            continue
        found.append((int(block.group(1)), name))
    if not found:
        wanted = f" ending in {suffixes}" if suffixes else ""
        raise ValueError(
            f"No linear layer{wanted} inside the encoder blocks of {type(model).__name__}; "
            "check model.lora_target_modules, or use method: full."
        )
    blocks = sorted({index for index, _ in found})
    if top_layers is not None:
        if not 1 <= top_layers <= len(blocks):
            raise ValueError(
                f"model.lora_layers is {top_layers}, but the encoder has {len(blocks)} blocks."
            )
        blocks = blocks[-top_layers:]
    return [name for index, name in found if index in blocks]


def _trained_modules(model: Any, all_layers: bool) -> list[str]:
    """The non-LoRA modules trained in full: the head, and the pooler where there is one.

    BERT's token-type embeddings too when every block is adapted (the recipe of the
    shipped default); with only the top blocks adapted, nothing below them may train,
    or backpropagation would run through the frozen blocks after all.
    """
    present = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    wanted = ["classifier", "score", "pooler"] + (["token_type_embeddings"] if all_layers else [])
    return [name for name in wanted if name in present]


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
        target_modules=lora_targets(
            model, config.model.lora_target_modules, config.model.lora_layers
        ),
        modules_to_save=_trained_modules(model, config.model.lora_layers is None),
    )
    with quiet():
        return get_peft_model(model, lora)


def load_splits(cfg: TrainConfig) -> Any:
    """The splits a config trains and reports on: the written (or the user's) data, with
    the real news splits when ``data.real_news`` is set and the whole reports when
    ``data.articles`` is, cut to the smoke-run limits."""
    from ..data import load_dataset, with_articles, with_real_news

    splits = load_dataset(cfg.data.path)
    if cfg.data.real_news:
        splits = with_real_news(splits, cfg.data.real_news)
    if cfg.data.articles:
        keep = cfg.data.articles_keep_other
        splits = with_articles(splits, cfg.data.articles, keep, cfg.training.seed)
    for name in splits:
        limit = cfg.data.max_train_samples if name == "train" else cfg.data.max_eval_samples
        if limit is not None and limit < len(splits[name]):
            splits[name] = splits[name].shuffle(seed=cfg.training.seed).select(range(limit))
    return splits


def pool_texts(cfg: TrainConfig, gold_texts: list[str]) -> list[str]:
    """The pool sentences a distillation run uses: the configured pool sampled (seeded)
    down to ``data.max_pool_samples``, less the gold sentences.

    Sampling comes first so that the sample does not depend on the gold data: annotating
    more sentences removes those from the pool and leaves the rest of the sample, and so
    the teacher's cached labels, as they were.
    """
    if not cfg.data.pool:
        return []
    from ..data import load_pool

    pool = load_pool(cfg.data.pool, cfg.data.real_news, cfg.data.pool_last_year)
    limit = cfg.data.max_pool_samples
    if limit is not None and limit < len(pool):
        picked = np.random.default_rng(cfg.training.seed).choice(len(pool), limit, replace=False)
        pool = [pool[i] for i in sorted(picked)]
    known = set(gold_texts)
    return [text for text in pool if text not in known]


def teacher_cache_dir(cfg: TrainConfig) -> Path:
    return Path(cfg.training.teacher_cache or Path(cfg.training.output_dir) / "teacher_labels")


def label_with_teacher(cfg: TrainConfig, splits: Any = None) -> tuple[list[str], np.ndarray]:
    """Run the config's teacher over its training sentences and pool (resumable).

    ``conflictnlp label-pool`` runs this alone (say overnight, or on another machine);
    ``train`` runs it first and finds the labels already there.

    Returns:
        The sentences (gold training sentences first, then the pool) and the teacher's
        log-probabilities for each.
    """
    from .teacher_labels import teacher_log_probs

    if not cfg.training.teacher:
        raise ValueError("The config has no training.teacher to label with.")
    splits = splits if splits is not None else load_splits(cfg)
    gold = list(splits["train"]["text"])
    texts = gold + pool_texts(cfg, gold)
    return texts, teacher_log_probs(cfg.training.teacher, texts, teacher_cache_dir(cfg))


def _with_teacher(
    cfg: TrainConfig, splits: Any, encoded: Any, encoder: SentenceEncoder, keep: list[str]
) -> Any:
    """The training set for distillation: gold rows and pool rows, all with teacher labels.

    Pool rows get the label ``-100`` (no gold label) and learn from the teacher alone.
    """
    import datasets

    from .distillation import NO_LABEL, TEACHER_COLUMN

    texts, log_probs = label_with_teacher(cfg, splits)
    n_gold = len(splits["train"])
    features = datasets.Features(
        {
            **{name: datasets.Sequence(datasets.Value("int64")) for name in keep[:-1]},
            "label": datasets.Value("int64"),
            TEACHER_COLUMN: datasets.Sequence(datasets.Value("float32")),
        }
    )
    gold_rows = (
        encoded.cast_column("label", datasets.Value("int64"))
        .add_column(TEACHER_COLUMN, log_probs[:n_gold].tolist())
        .cast(features)
    )
    pool = texts[n_gold:]
    if not pool:
        return gold_rows
    pool_rows = (
        _encode_split(datasets.Dataset.from_dict({"text": pool}), encoder, False)
        .add_column("label", [NO_LABEL] * len(pool))
        .add_column(TEACHER_COLUMN, log_probs[n_gold:].tolist())
        .select_columns([*keep, TEACHER_COLUMN])
        .cast(features)
    )
    return datasets.concatenate_datasets([gold_rows, pool_rows])


def _cache_frozen_blocks(
    cfg: TrainConfig, model: Any, encoded: dict[str, Any], collator: Any, keep: list[str]
) -> tuple[dict[str, Any], Any, Any]:
    """Run the frozen blocks once over the training and validation rows (see
    ``frozen_blocks``); return the rows pointing at their cached states, the collator that
    adds them to batches, and the context in which the model replays them."""
    from .frozen_blocks import FrozenBlockCache, ReplayCollator

    if cfg.model.method != "lora" or cfg.model.lora_layers is None:
        raise ValueError(
            "training.cache_frozen_blocks needs frozen blocks: set model.method: lora and "
            "model.lora_layers (the number of top blocks that train)."
        )
    cache = FrozenBlockCache(model, cfg.model.lora_layers)
    inputs = keep[:-1]  # the model's inputs, without the label
    for name in ("train", "validation"):
        encoded[name] = cache.add_dataset(
            encoded[name], collator, cfg.training.eval_batch_size, inputs
        )
    return encoded, ReplayCollator(collator, cache), cache.replay()


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

    # 2. Data: the shipped splits or the user's, checked, with the real news splits when
    # asked; optional subsets for smoke runs.
    splits = load_splits(cfg)

    # 3. Tokeniser (saved first: inference reads tokenizer.json from the model folder),
    # the model, and the inputs it takes (MPNet has no token_type_ids).
    from transformers import AutoTokenizer

    from ..inference.torch_backend import model_input_names

    with quiet():
        tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(cfg.model.base_model))
    tokenizer.save_pretrained(out)
    encoder = SentenceEncoder(out / "tokenizer.json", cfg.model.max_length)
    model = _build_model(cfg)
    keep = [*model_input_names(model), "label"]
    encoded = {
        name: _encode_split(split, encoder, cfg.model.use_context).select_columns(keep)
        for name, split in splits.items()
    }
    if cfg.training.teacher:
        encoded["train"] = _with_teacher(cfg, splits, encoded["train"], encoder, keep)
    collator: Any = DataCollatorWithPadding(tokenizer)
    replay: Any = contextlib.nullcontext()
    if cfg.training.cache_frozen_blocks:
        encoded, collator, replay = _cache_frozen_blocks(cfg, model, encoded, collator, keep)

    # 4. Trainer.
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
        # the columns are chosen above; the teacher's column is not a model input
        remove_unused_columns=False,
        train_sampling_strategy="group_by_length" if cfg.training.group_by_length else "random",
    )
    trainer_class: Any = Trainer
    extra: dict[str, Any] = {}
    if cfg.training.teacher:
        from .distillation import DistillationTrainer

        trainer_class = DistillationTrainer
        extra = {
            "temperature": cfg.training.distill_temperature,
            "alpha": cfg.training.distill_alpha,
            "pool_weight": cfg.training.distill_pool_weight,
        }
    started = time.perf_counter()
    with quiet():  # peft and transformers deprecation notices; progress bars stay on
        trainer = trainer_class(
            model=model,
            args=args,
            train_dataset=encoded["train"],
            eval_dataset=encoded["validation"],
            data_collator=collator,
            compute_metrics=_compute_metrics,
            **extra,
        )
        with replay:
            try:
                trainer.train(resume_from_checkpoint=True if resume else None)
            except KeyboardInterrupt:
                raise KeyboardInterrupt(_interrupted_note(checkpoints)) from None
            train_seconds = time.perf_counter() - started
            # 5. Calibrate: one temperature fitted on validation logits. Labels come from
            # the same pass as the logits: with length-grouped batches the Trainer
            # evaluates in its own order, not the dataset's.
            val_pass = trainer.predict(encoded["validation"])
    from .calibration import fit_temperature

    temperature = fit_temperature(
        np.asarray(val_pass.predictions), np.asarray(val_pass.label_ids, dtype=np.int64)
    )

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
        onnx_recipe=cfg.model.onnx_recipe,
    )
    config_dict = base_config.to_dict()
    config_dict[CONFIG_KEY] = settings_dict(settings)
    config_dict.pop("_name_or_path", None)
    (out / "config.json").write_text(json.dumps(config_dict, indent=2) + "\n", encoding="utf-8")
    (out / "training_config.json").write_text(
        json.dumps(cfg.to_dict(), indent=2) + "\n", encoding="utf-8"
    )

    # 7. Evaluate the saved folder as users will load it, write metrics, report and card.
    from ..evaluation.report import evaluate, subset_masks
    from ..inference.classifier import Classifier
    from .model_card import write_model_card

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
    real_report = None
    if "test_real" in splits:
        real_report = evaluate(clf, splits["test_real"], data_name="real news test split")
        if cfg.training.write_report:
            real_report.save(out / "evaluation_real")
    from ..evaluation.metrics import macro_f1

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
        **({"test_real": _summary(real_report)} if real_report is not None else {}),
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
