"""``classify`` and ``classify_document``: the shipped model behind two functions."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from .classifier import Classifier
    from .prediction import Prediction

_shared: dict[str, Classifier] = {}
_shared_lock = threading.Lock()


def shared_classifier(name: str = "default") -> Classifier:
    """A model loaded on first use by name and shared by every later call and thread."""
    if name not in _shared:
        with _shared_lock:
            if name not in _shared:
                from .classifier import Classifier

                _shared[name] = Classifier.from_pretrained(name)
    return _shared[name]


def default_classifier() -> Classifier:
    """The shipped default model, shared (see :func:`shared_classifier`)."""
    return shared_classifier("default")


def _model(model: Classifier | str | None) -> Classifier:
    if model is None or isinstance(model, str):
        return shared_classifier(model or "default")
    return model


@overload
def classify(texts: str, model: Classifier | str | None = None) -> Prediction: ...  # type: ignore[overload-overlap]
@overload
def classify(texts: Iterable[str], model: Classifier | str | None = None) -> list[Prediction]: ...


def classify(texts: Any, model: Classifier | str | None = None) -> Any:
    """Label one sentence or many.

    Args:
        texts: A sentence, or any iterable of sentences.
        model: A :class:`Classifier`, or the name of a shipped model or path of a model
            folder (loaded once and kept); the shipped ``"default"`` when omitted.

    Returns:
        A :class:`Prediction` for a string, else a list of them in input order.

    Example:
        >>> classify("Rebels shelled the airport on Tuesday.").label
        'attack'
    """
    return _model(model).predict(texts)


def classify_document(text: str, model: Classifier | str | None = None) -> list[Prediction]:
    """Split an article into sentences and label each; ``text[p.start:p.end] == p.text``.

    Example:
        >>> [p.label for p in classify_document("Talks resumed in Doha. Shelling went on.")]
        ['diplomatic_move', 'attack']
    """
    return _model(model).predict_document(text)
