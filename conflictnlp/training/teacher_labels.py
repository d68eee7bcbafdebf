"""A teacher's soft labels over many sentences: batched, cached in chunks, resumable.

Distillation needs the teacher's view of every training and pool sentence, which for a
large encoder on a CPU is the longest single step (hours for a big pool). The job writes
its results in chunk files keyed by sentence hash, each written atomically, so a run that
is stopped (Ctrl-C, a crash, a closed laptop) picks up at the first missing sentence, and
a later run over a larger pool only labels what is new.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..inference.model_files import fingerprint
from ..labels import LABELS

_META = "teacher.json"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _check_teacher(folder: Path, name: str, model_dir: Path) -> None:
    """One cache folder holds one teacher's labels; mixing two would corrupt the student."""
    meta = folder / _META
    mine = {"teacher": name, "fingerprint": fingerprint(model_dir)}
    if meta.exists():
        saved = json.loads(meta.read_text(encoding="utf-8"))
        if saved.get("fingerprint") != mine["fingerprint"]:
            raise ValueError(
                f"{folder} holds the labels of another teacher ({saved.get('teacher')}); "
                "pass an empty folder for this one."
            )
        return
    folder.mkdir(parents=True, exist_ok=True)
    meta.write_text(json.dumps(mine) + "\n", encoding="utf-8")


def read_cache(folder: str | Path) -> dict[str, np.ndarray]:
    """Every log-probability row saved in ``folder``, by sentence hash."""
    found: dict[str, np.ndarray] = {}
    for chunk in sorted(Path(folder).glob("chunk-*.npz")):
        with np.load(chunk) as data:
            found.update(zip(data["hashes"].tolist(), data["log_probs"], strict=True))
    return found


def cached_probabilities(folder: str | Path, texts: Sequence[str]) -> np.ndarray:
    """The probabilities saved in ``folder`` for ``texts``, shape ``(n, len(LABELS))``.

    For the scripts that choose or audit labels by a teacher without running it; a
    sentence the cache lacks gets a row of NaN, and the caller decides whether that is
    an error (an audit must see every sentence) or an unknown (a sample may skip it).
    """
    cached = read_cache(folder)
    missing = np.full(len(LABELS), np.nan, dtype=np.float32)
    rows = [cached.get(text_hash(t), missing) for t in texts]
    return np.exp(np.stack(rows)) if rows else np.zeros((0, len(LABELS)), dtype=np.float32)


def teacher_log_probs(
    teacher: Any,
    texts: Sequence[str],
    cache_dir: str | Path,
    *,
    chunk_size: int = 2048,
    batch_size: int = 64,
    progress: bool = True,
) -> np.ndarray:
    """The teacher's calibrated log-probabilities for ``texts``, shape ``(n, len(LABELS))``.

    Args:
        teacher: A :class:`~conflictnlp.Classifier`, or the name or folder of a model,
            which is loaded only if some sentence still needs its labels (loading a
            large teacher can mean a minutes-long ONNX export).
        texts: The sentences, repeats allowed.
        cache_dir: Where the chunks go; labels already there are reused, not recomputed.
        chunk_size: Sentences per chunk file: the most a stopped run can lose.
        batch_size: Sentences per forward pass.
        progress: Show a progress bar over the sentences still to label.
    """
    from tqdm.auto import tqdm

    folder = Path(cache_dir)
    if isinstance(teacher, str | os.PathLike):
        from ..inference.classifier import _resolve_folder

        name, model_dir = str(teacher), _resolve_folder(teacher)
    else:
        name, model_dir = teacher.name, teacher.model_dir
    _check_teacher(folder, name, model_dir)
    done = read_cache(folder)
    hashes = [text_hash(t) for t in texts]
    todo = list({h: t for h, t in zip(hashes, texts, strict=True) if h not in done}.items())
    first = len(list(folder.glob("chunk-*.npz")))
    if todo and not hasattr(teacher, "predict_proba"):
        from ..inference.classifier import Classifier

        teacher = Classifier.from_pretrained(model_dir)
    with tqdm(total=len(todo), desc="teacher labels", unit="sent", disable=not progress) as bar:
        for k, start in enumerate(range(0, len(todo), chunk_size)):
            part = todo[start : start + chunk_size]
            probs = teacher.predict_proba([t for _, t in part], batch_size=batch_size)
            log_probs = np.log(np.clip(probs, 1e-12, None)).astype(np.float32)
            chunk = folder / f"chunk-{first + k:06d}.npz"
            partial = chunk.with_name(f".{chunk.stem}-{os.getpid()}.npz")
            np.savez(partial, hashes=np.array([h for h, _ in part]), log_probs=log_probs)
            partial.replace(chunk)  # atomic: a chunk file is whole or absent
            done.update(zip((h for h, _ in part), log_probs, strict=True))
            bar.update(len(part))
    out = np.stack([done[h] for h in hashes]) if hashes else np.zeros((0, len(LABELS)))
    return out.astype(np.float32)
