"""``Classifier``: a fine-tuned sentence classifier with calibrated scores.

It speaks scikit-learn (``predict``, ``predict_proba``, ``__call__``) and Hugging Face
(``from_pretrained``, ``save_pretrained``). Inference runs on ONNX Runtime on CPUs and on
PyTorch on GPUs; both share one tokeniser, so they only differ by quantisation.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np

from ..labels import LABELS
from ..sentences import split_sentences
from .encoding import SentenceEncoder
from .model_files import (
    SHIPPED_MODELS,
    ModelSettings,
    check_weights,
    read_config,
    read_settings,
    shipped_model_dir,
)
from .prediction import Prediction

Backend = Literal["auto", "onnx", "torch"]
# What the Hugging Face hub accepts as a model id: "name" or "owner/name".
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}(/[A-Za-z0-9][\w.-]{0,95})?")


def validate_text(text: Any) -> str:
    """Check one input string."""
    if not isinstance(text, str):
        raise TypeError(f"Expected a string or an iterable of strings, got {type(text).__name__}.")
    if not text.strip():
        raise ValueError("The text is empty or blank; pass a sentence or an article.")
    return text


def validate_texts(texts: Any) -> list[str]:
    """Check a batch of inputs, naming the index of the first bad item."""
    if texts is None or isinstance(texts, bytes | int | float):
        raise TypeError(f"Expected a string or an iterable of strings, got {type(texts).__name__}.")
    items = list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"Item {i} is {type(text).__name__}, expected str.")
        if not text.strip():
            raise ValueError(f"Item {i} is empty or blank; every input needs some text.")
    return items


def _cuda_visible() -> bool:
    """A cheap GPU check that does not import torch when there is plainly no NVIDIA GPU."""
    if not os.path.exists("/proc/driver/nvidia/version") and not os.environ.get("CUDA_HOME"):
        return False
    import torch

    return bool(torch.cuda.is_available())


def _warn_if_newer(saved_by: str, folder: Path) -> None:
    """Warn (once per folder and process) when a newer conflictnlp saved the model."""
    from packaging.version import InvalidVersion, Version

    from .. import __version__

    try:
        newer = Version(saved_by) > Version(__version__)
    except InvalidVersion:
        return
    if newer:
        warnings.warn(
            f"{folder} was saved by conflictnlp {saved_by}, newer than this {__version__}; "
            "it may not load or behave as intended. Upgrade with `pip install -U conflictnlp`.",
            UserWarning,
            stacklevel=3,
        )


def _resolve_folder(name_or_path: str | os.PathLike) -> Path:
    if str(name_or_path) in SHIPPED_MODELS:
        return shipped_model_dir(str(name_or_path))
    path = Path(name_or_path)
    if path.exists():
        return path
    name = str(name_or_path)
    missing = (
        f"{name}: no such model folder (looked in {Path.cwd()}). Pass a folder written by "
        "Classifier.save_pretrained or `conflictnlp train`, 'default' for the shipped model, "
        "or a Hugging Face id such as owner/name"
    )
    if not _HUB_ID.fullmatch(name):
        raise FileNotFoundError(missing + ".")
    from huggingface_hub import snapshot_download  # a hub id, for users with a network

    try:
        return Path(snapshot_download(name))
    except Exception as err:  # the hub client raises many types: offline, unknown id, auth
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise FileNotFoundError(f"{missing}; as a hub id it failed too: {reason}") from None


class Classifier:
    """Labels sentences of conflict news as one of ``LABELS``.

    Build one with :meth:`from_pretrained`; the constructor takes ready parts.

    Example:
        >>> clf = Classifier.from_pretrained("default")
        >>> clf.predict("Rebels shelled the airport on Tuesday.").label
        'attack'
    """

    def __init__(
        self, backend: Any, encoder: SentenceEncoder, settings: ModelSettings, model_dir: Path
    ) -> None:
        self.backend = backend
        self.encoder = encoder
        self.settings = settings
        self.model_dir = model_dir
        self._lock = threading.Lock()
        self._warned_truncation = False

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike = "default",
        device: str = "auto",
        backend: Backend = "auto",
        onnx_recipe: str | None = None,
        threads: int | None = None,
    ) -> Classifier:
        """Load a model folder, a Hugging Face id, or a shipped model by name.

        ``"default"`` is the fast model (MiniLM, distilled); ``"accurate"`` is its teacher
        (MPNet, about 7 times slower, more accurate on real news; its base encoder must be
        fetched once with ``conflictnlp base fetch all-mpnet-base-v2``).

        Args:
            name_or_path: A folder written by :meth:`save_pretrained` or by training, a
                hub id, ``"default"`` or ``"accurate"``.
            device: ``"auto"`` (a GPU when there is one), ``"cpu"``, ``"cuda"``, ``"cuda:1"``.
            backend: ``"auto"`` uses ONNX Runtime on CPUs and PyTorch on GPUs; ``"onnx"`` or
                ``"torch"`` force one.
            onnx_recipe: ``"int8"`` (quantised, fastest) or ``"fp32"``; None: the recipe
                the model's settings name, the one its numbers were measured with (int8
                for ``default``, fp32 for ``accurate``).
            threads: CPU threads for ONNX Runtime (default: all cores).
        """
        folder = _resolve_folder(name_or_path)
        settings = read_settings(read_config(folder), folder / "config.json")
        check_weights(folder)
        _warn_if_newer(settings.version, folder)
        if not (folder / "tokenizer.json").is_file():
            raise FileNotFoundError(
                f"{folder} has no tokenizer.json; save the tokenizer beside the model "
                "(tokenizer.save_pretrained(folder))."
            )
        encoder = SentenceEncoder(folder / "tokenizer.json", settings.max_length)
        if backend not in ("auto", "onnx", "torch"):
            raise ValueError(f"backend must be 'auto', 'onnx' or 'torch', got {backend!r}.")
        if backend == "auto":
            on_gpu = device.startswith("cuda") or (device == "auto" and _cuda_visible())
            backend = "torch" if on_gpu else "onnx"
        if backend == "onnx":
            if device.startswith("cuda"):
                raise ValueError("The ONNX backend runs on the CPU; use backend='torch' on a GPU.")
            from .onnx_backend import load_onnx_backend

            runner: Any = load_onnx_backend(
                folder, onnx_recipe or settings.onnx_recipe, threads=threads
            )
        else:
            from .torch_backend import TorchBackend, load_torch_model

            runner = TorchBackend(load_torch_model(folder), device=device)
        return cls(runner, encoder, settings, folder)

    def save_pretrained(self, path: str | os.PathLike) -> None:
        """Write the model folder (config, weights, tokenizer, model card) to ``path``."""
        target = Path(path)
        if target.resolve() == self.model_dir.resolve():
            return
        target.mkdir(parents=True, exist_ok=True)
        for file in self.model_dir.iterdir():
            if file.is_file() and not file.name.startswith(("__", ".")):
                shutil.copy2(file, target / file.name)

    @property
    def labels(self) -> tuple[str, ...]:
        return LABELS

    @property
    def max_length(self) -> int:
        return self.encoder.max_length

    @property
    def device(self) -> str:
        return str(self.backend.device)

    @property
    def name(self) -> str:
        return self.settings.name

    def predict_proba(
        self,
        texts: Iterable[str],
        batch_size: int = 32,
        contexts: Sequence[str | None] | None = None,
    ) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(texts), len(LABELS))``, in input order.

        Args:
            texts: Sentences.
            batch_size: Sentences per forward pass (they are sorted by length first).
            contexts: For a model trained with context, the previous sentence of each text
                (None where there is none); ignored otherwise.
        """
        return self._probabilities(validate_texts(texts), batch_size, contexts)

    def _probabilities(
        self, items: list[str], batch_size: int, contexts: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """predict_proba for inputs that were already validated."""
        if not items:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
        pairs = contexts if self.settings.use_context else None
        with self._lock:
            encodings, truncated = self.encoder.encode(items, pairs)
            logits = np.zeros((len(items), len(LABELS)), dtype=np.float32)
            for batch in self.encoder.batches(encodings, batch_size):
                logits[batch.positions] = self.backend.logits(batch)
        if any(truncated) and not self._warned_truncation:
            self._warned_truncation = True
            first = truncated.index(True)
            warnings.warn(
                f"Input {first} (and {sum(truncated) - 1} more) is longer than the model's "
                f"{self.max_length} tokens and was truncated; split long text into sentences "
                "with classify_document().",
                UserWarning,
                stacklevel=3,
            )
        scaled = logits / np.float32(self.settings.temperature)
        scaled -= scaled.max(axis=1, keepdims=True)
        probs = np.exp(scaled)
        return probs / probs.sum(axis=1, keepdims=True)

    @overload
    def predict(self, texts: str, batch_size: int = ...) -> Prediction: ...  # type: ignore[overload-overlap]
    @overload
    def predict(self, texts: Iterable[str], batch_size: int = ...) -> list[Prediction]: ...

    def predict(self, texts: str | Iterable[str], batch_size: int = 32) -> Any:
        """Label one sentence (returns a Prediction) or many (returns a list, same order)."""
        if isinstance(texts, str):
            return self.predict([validate_text(texts)], batch_size)[0]
        items = validate_texts(texts)
        return self._to_predictions(items, self._probabilities(items, batch_size))

    __call__ = predict

    def predict_document(self, text: str, batch_size: int = 32) -> list[Prediction]:
        """Split news text into sentences and label each, with offsets into ``text``.

        When the model reads context, each sentence is paired with the one before it.
        """
        spans = self.split_document(validate_text(text))
        sentences = [s for s, _, _ in spans]
        contexts = [None, *sentences[:-1]]
        probs = self._probabilities(sentences, batch_size, contexts)
        return self._to_predictions(sentences, probs, [(s, e) for _, s, e in spans])

    def split_document(self, text: str) -> list[tuple[str, int, int]]:
        """``(sentence, start, end)`` of ``text``, no sentence longer than the model's window.

        A "sentence" the model could only read truncated (text without full stops, a
        table, a list) is cut into window-sized pieces instead, so every character of the
        text is classified; ``text[start:end] == sentence`` holds for every piece.
        """
        # A token covers at least one character, so a shorter sentence always fits.
        shortest_cut = self.encoder.window_tokens
        spans = []
        for sentence, start, end in split_sentences(text):
            if len(sentence) <= shortest_cut:
                spans.append((sentence, start, end))
                continue
            for a, b in self.encoder.window_spans(sentence):
                spans.append((sentence[a:b], start + a, start + b))
        return spans

    @staticmethod
    def _to_predictions(
        texts: Sequence[str],
        probs: np.ndarray,
        offsets: Sequence[tuple[int, int]] | None = None,
    ) -> list[Prediction]:
        results = []
        for i, (text, row) in enumerate(zip(texts, probs, strict=True)):
            best = int(row.argmax())
            start, end = offsets[i] if offsets else (None, None)
            scores = {label: float(p) for label, p in zip(LABELS, row, strict=True)}
            results.append(Prediction(text, LABELS[best], float(row[best]), scores, start, end))
        return results

    def __repr__(self) -> str:
        return (
            f"Classifier(name={self.name!r}, backend={self.backend.name!r}, "
            f"device={self.device!r}, max_length={self.max_length})"
        )
