"""Loading model folders into PyTorch, and the PyTorch inference path (GPUs, training)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..labels import LABELS
from ..quiet import quiet
from .base_model import resolve_model_path
from .encoding import EncodedBatch
from .model_files import (
    ADAPTER_WEIGHTS,
    check_weights,
    is_adapter,
    read_config,
    read_settings,
)

#: The inputs a sequence classifier can take, in the order the ONNX export lists them.
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


def model_input_names(model: torch.nn.Module) -> tuple[str, ...]:
    """The inputs of ``INPUT_NAMES`` that ``model`` accepts.

    Encoders differ: BERT takes ``token_type_ids``, MPNet and RoBERTa-style models do not
    (MPNet fails on them), so every path asks the model instead of assuming BERT.
    """
    import inspect

    forward = getattr(model, "get_base_model", lambda: model)().forward
    accepted = inspect.signature(forward).parameters
    return tuple(name for name in INPUT_NAMES if name in accepted)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks the first CUDA GPU when there is one, else the CPU."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def _check_labels(config: Any, source: str) -> None:
    labels = tuple(config.id2label[i] for i in range(config.num_labels))
    if labels != LABELS:
        raise ValueError(
            f"{source} has labels {labels}, but conflictnlp models must have {LABELS} in "
            "that order. Train it with `conflictnlp train`, or fix id2label in its config.json."
        )


def load_torch_model(path: str | Path, attn_implementation: str | None = None) -> torch.nn.Module:
    """Load a saved conflictnlp folder (full or LoRA) as a plain sequence classifier.

    LoRA adapters are merged into the base weights, so inference runs one ordinary
    forward pass. Missing weights or a missing head are errors, never a silent random
    initialisation.
    """
    from transformers import AutoConfig, AutoModelForSequenceClassification

    path = Path(path)
    check_weights(path)
    with quiet():
        if is_adapter(path):
            return _load_adapter(path, attn_implementation)
        config = AutoConfig.from_pretrained(path, attn_implementation=attn_implementation)
        _check_labels(config, str(path))
        model, info = AutoModelForSequenceClassification.from_pretrained(
            path, config=config, output_loading_info=True, use_safetensors=True
        )
    missing = [k for k in info.get("missing_keys", []) if "classifier" in k or "score" in k]
    if missing:
        raise ValueError(
            f"{path} has no trained classification head (missing {missing}). It looks like a "
            "bare encoder: fine-tune it first with `conflictnlp train --config ...`."
        )
    return model.eval()


def _load_adapter(path: Path, attn_implementation: str | None) -> torch.nn.Module:
    from peft import PeftModel
    from safetensors import safe_open
    from transformers import AutoConfig, AutoModelForSequenceClassification

    weights = path / ADAPTER_WEIGHTS  # present: load_torch_model checked the weights
    with safe_open(str(weights), framework="pt") as f:
        if not any("classifier" in key for key in f.keys()):  # noqa: SIM118
            raise ValueError(
                f"{weights} holds no classification head; a LoRA adapter must be saved with "
                "modules_to_save=['classifier']."
            )
    settings = read_settings(read_config(path), path / "config.json")
    config = AutoConfig.from_pretrained(path, attn_implementation=attn_implementation)
    _check_labels(config, str(path))
    base = AutoModelForSequenceClassification.from_pretrained(
        resolve_model_path(settings.base_model), config=config
    )
    model = PeftModel.from_pretrained(base, path)
    return model.merge_and_unload().eval()


class TorchBackend:
    """Runs a sequence classifier with PyTorch, in fp16 autocast on CUDA."""

    name = "torch"

    def __init__(self, model: torch.nn.Module, device: str | torch.device = "auto") -> None:
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self._inputs = model_input_names(self.model)

    def logits(self, batch: EncodedBatch) -> np.ndarray:
        inputs = {
            k: torch.from_numpy(v).to(self.device)
            for k, v in batch.as_dict().items()
            if k in self._inputs
        }
        with (
            torch.inference_mode(),
            torch.autocast(
                device_type=self.device.type,
                dtype=torch.float16,
                enabled=self.device.type == "cuda",
            ),
        ):
            out = self.model(**inputs).logits
        return out.float().cpu().numpy()
