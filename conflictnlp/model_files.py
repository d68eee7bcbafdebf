"""The on-disk layout of a conflictnlp model folder, readable without torch.

A folder follows ``save_pretrained``: ``config.json`` (a transformers config with
``id2label``/``label2id``, plus our own settings under the namespaced key
``"conflictnlp"``), the tokenizer files, and either ``model.safetensors`` (a full model,
loadable with plain ``AutoModelForSequenceClassification``) or a peft LoRA adapter
(``adapter_config.json`` and ``adapter_model.safetensors``) applied on top of the base
encoder named in the settings. Nothing is pickled.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

from .base_model import DEFAULT_BASE_MODEL

CONFIG_KEY = "conflictnlp"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
FULL_WEIGHTS = "model.safetensors"


@dataclass
class ModelSettings:
    """What conflictnlp stores beside the transformers config.

    Attributes:
        temperature: Divides the logits before the softmax; fitted on validation data so
            that scores are calibrated probabilities.
        max_length: Longest input in tokens; longer text is truncated with a warning.
        use_context: Whether the model was trained to read the previous sentence of an
            article as the second segment of a sentence pair.
        base_model: The encoder a LoRA adapter applies to (a hub id, resolved locally for
            the default encoder).
        version: The conflictnlp version that saved the folder.
        name: A short human-readable model name for reports.
    """

    temperature: float = 1.0
    max_length: int = 128
    use_context: bool = False
    base_model: str = DEFAULT_BASE_MODEL
    version: str = "0"
    name: str = "model"
    extra: dict = field(default_factory=dict)


def shipped_model_dir() -> Path:
    """The default model that ships inside the package."""
    return Path(str(resources.files("conflictnlp") / "resources" / "model"))


def read_config(path: Path) -> dict:
    """Read ``config.json`` of a model folder, with errors that say what to do."""
    config_file = path / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(
            f"{path} is not a model folder: it has no config.json. Pass a folder written by "
            "Classifier.save_pretrained or `conflictnlp train`, or a Hugging Face model id."
        )
    return json.loads(config_file.read_text(encoding="utf-8"))


def read_settings(config: dict) -> ModelSettings:
    """The conflictnlp settings of a config; defaults for a plain transformers classifier."""
    stored = dict(config.get(CONFIG_KEY, {}))
    known = {k: stored.pop(k) for k in list(stored) if k in ModelSettings.__dataclass_fields__}
    return ModelSettings(**known, extra=stored)


def settings_dict(settings: ModelSettings) -> dict:
    data = asdict(settings)
    data.update(data.pop("extra"))
    return data


def is_adapter(path: Path) -> bool:
    return (path / "adapter_config.json").is_file()


def fingerprint(path: Path) -> str:
    """A short hash of the files that define a model's behaviour, to key caches by."""
    digest = hashlib.sha256()
    for name in ("config.json", ADAPTER_WEIGHTS, FULL_WEIGHTS, "adapter_config.json"):
        file = path / name
        if file.is_file():
            digest.update(name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
