"""``classify`` and ``classify_document``: the shipped model behind two functions."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from .modeling import Classifier
    from .prediction import Prediction

_default: Classifier | None = None
_default_lock = threading.Lock()


def default_classifier() -> Classifier:
    """The shipped model, loaded on first use and shared by every later call and thread."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                from .modeling import Classifier

                _default = Classifier.from_pretrained("default")
    return _default


@overload
def classify(texts: str, model: Classifier | None = None) -> Prediction: ...  # type: ignore[overload-overlap]
@overload
def classify(texts: Iterable[str], model: Classifier | None = None) -> list[Prediction]: ...


def classify(texts: Any, model: Classifier | None = None) -> Any:
    """Label one sentence or many.

    Args:
        texts: A sentence, or any iterable of sentences.
        model: A :class:`Classifier`; the shipped default model when omitted.

    Returns:
        A :class:`Prediction` for a string, else a list of them in input order.

    Example:
        >>> classify("Rebels shelled the airport on Tuesday.").label
        'attack'
    """
    return (model or default_classifier()).predict(texts)


def classify_document(text: str, model: Classifier | None = None) -> list[Prediction]:
    """Split an article into sentences and label each; ``text[p.start:p.end] == p.text``.

    Example:
        >>> [p.label for p in classify_document("Talks resumed in Doha. Shelling went on.")]
        ['diplomatic_move', 'attack']
    """
    return (model or default_classifier()).predict_document(text)
