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
import math
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
        onnx_recipe: The ONNX recipe the model runs with on a CPU unless the caller picks
            one: the one its published numbers were measured with. int8 is exact enough
            for the MiniLM default; `accurate` needs fp32, because int8 rounding of its
            outlier activations costs 1.3 points of real-news macro-F1 on CPUs where the
            int8 export passes the label-agreement gate (AVX-512 VNNI).
    """

    temperature: float = 1.0
    max_length: int = 128
    use_context: bool = False
    base_model: str = DEFAULT_BASE_MODEL
    version: str = "0"
    name: str = "model"
    onnx_recipe: str = "int8"
    extra: dict = field(default_factory=dict)


#: How a model can run under ONNX Runtime: "int8" (quantised with calibrated input scales,
#: the fastest), "int8-dynamic" (scales per batch, the recipe before 0.1.1) or "fp32".
ONNX_RECIPES = ("int8", "int8-dynamic", "fp32")

#: The models that ship inside the package, by the name users pass, and their folders.
SHIPPED_MODELS = {"default": "model", "accurate": "model_accurate"}


def shipped_model_dir(name: str = "default") -> Path:
    """The folder of a model that ships inside the package: ``default`` or ``accurate``."""
    if name not in SHIPPED_MODELS:
        raise ValueError(f"No shipped model {name!r}; choose one of {', '.join(SHIPPED_MODELS)}.")
    return Path(str(resources.files("conflictnlp") / "resources" / SHIPPED_MODELS[name]))


#: Files that hold pickled weights: loading them can run code, so they are never read.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
_RESAVE = "Re-save the model with Classifier.save_pretrained, or restore config.json from a copy."


def read_config(path: Path) -> dict:
    """Read ``config.json`` of a model folder, with errors that say what to do."""
    config_file = path / "config.json"
    if not config_file.is_file():
        raise FileNotFoundError(
            f"{path} is not a model folder: it has no config.json. Pass a folder written by "
            "Classifier.save_pretrained or `conflictnlp train`, or a Hugging Face model id."
        )
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        where = (
            f" (line {err.lineno}, column {err.colno}: {err.msg})"
            if isinstance(err, json.JSONDecodeError)
            else ""
        )
        raise ValueError(f"{config_file} is not valid JSON{where}. {_RESAVE}") from None
    if not isinstance(config, dict):
        raise ValueError(
            f"{config_file} holds a JSON {type(config).__name__}, but a model config is a JSON "
            f"object ({{...}}). {_RESAVE}"
        )
    return config


def read_settings(config: dict, source: str | Path = "config.json") -> ModelSettings:
    """The conflictnlp settings of a config; defaults for a plain transformers classifier.

    Raises:
        ValueError: A setting has a value the model cannot run with (a temperature of 0
            would turn every score into NaN), naming ``source``.
    """
    stored = config.get(CONFIG_KEY, {})
    if not isinstance(stored, dict):
        raise ValueError(f"{source}: {CONFIG_KEY!r} must be a JSON object. {_RESAVE}")
    stored = dict(stored)
    known = {k: stored.pop(k) for k in list(stored) if k in ModelSettings.__dataclass_fields__}
    settings = ModelSettings(**known, extra=stored)
    temperature = settings.temperature
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, int | float)
        or not math.isfinite(temperature)
        or temperature <= 0
    ):
        raise ValueError(
            f"{source}: {CONFIG_KEY}.temperature is {temperature!r}; it divides the logits, so "
            "it must be a positive number. Set it to 1.0 (uncalibrated scores) or retrain."
        )
    if (
        isinstance(settings.max_length, bool)
        or not isinstance(settings.max_length, int)
        or (settings.max_length < 8)
    ):
        raise ValueError(
            f"{source}: {CONFIG_KEY}.max_length is {settings.max_length!r}; it must be a whole "
            "number of tokens (128 for the shipped model)."
        )
    if settings.onnx_recipe not in ONNX_RECIPES:
        raise ValueError(
            f"{source}: {CONFIG_KEY}.onnx_recipe is {settings.onnx_recipe!r}; it must be one "
            f"of {ONNX_RECIPES}."
        )
    return settings


def check_weights(path: Path) -> None:
    """Refuse a folder without safetensors weights; never fall back to pickled ones.

    A pickle (``pytorch_model.bin``, ``.pt``) can run arbitrary code when loaded, and this
    library promises safetensors only, so a folder holding only pickles is an error
    whatever its contents.
    """
    if (path / FULL_WEIGHTS).is_file() or (path / ADAPTER_WEIGHTS).is_file():
        return
    pickles = sorted(p.name for p in path.iterdir() if p.suffix.lower() in PICKLE_SUFFIXES)
    if pickles:
        raise ValueError(
            f"{path} holds only pickled weights ({', '.join(pickles)}); conflictnlp loads "
            "safetensors only, because unpickling a file can run any code in it. If you trust "
            "the file, convert it once: AutoModelForSequenceClassification.from_pretrained("
            "folder).save_pretrained(folder) writes model.safetensors."
        )
    if is_adapter(path):
        raise FileNotFoundError(
            f"{path} has adapter_config.json but no {ADAPTER_WEIGHTS}; the adapter weights "
            "are missing. Re-save the model or re-run training."
        )
    raise FileNotFoundError(
        f"{path} has no weights: expected {FULL_WEIGHTS} (a full model) or {ADAPTER_WEIGHTS} "
        "(a LoRA adapter). Re-save the model or re-run training."
    )


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
