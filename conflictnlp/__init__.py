"""conflictnlp: label sentences of armed-conflict news.

Importing the package is cheap: the model, torch and ONNX Runtime load on first use.

Example:
    >>> from conflictnlp import classify
    >>> classify("Two people were killed when shells hit a market, officials said.").label
    'casualty_report'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .inference.prediction import Prediction
from .labels import LABELS

__version__ = "0.10.0"

__all__ = [
    "LABELS",
    "Classifier",
    "Prediction",
    "__version__",
    "classify",
    "classify_document",
    "evaluate",
    "load_dataset",
    "train",
]

_LAZY = {
    "Classifier": ("inference.classifier", "Classifier"),
    "classify": ("inference.shortcuts", "classify"),
    "classify_document": ("inference.shortcuts", "classify_document"),
    "evaluate": ("evaluation.report", "evaluate"),
    "load_dataset": ("data", "load_dataset"),
    "train": ("training.trainer", "train"),
}

if TYPE_CHECKING:
    from .data import load_dataset
    from .evaluation.report import evaluate
    from .inference.classifier import Classifier
    from .inference.shortcuts import classify, classify_document
    from .training.trainer import train


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        value = getattr(import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'conflictnlp' has no attribute {name!r}")
