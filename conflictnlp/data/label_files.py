"""The ``id<TAB>label<TAB>alt`` files that annotators and adjudicators write.

Both annotation workflows (real news rounds, ``scripts/assemble_current_events.py``, and
written rounds, ``scripts/assemble_dataset.py``) hand helpers a batch and read back one of
these files per helper. One reader keeps the rules the same for both: a file that is not
there is an error (a step not done yet must not read as "no labels", which once made a
missing annotation look like a batch without disagreements), and an unknown label names
the file and line so the helper's output can be fixed by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..labels import LABELS
from .labeled import DataError


def read_label_file(path: Path) -> dict[str, tuple[str, str]]:
    """id -> (label, second acceptable label or "") from one helper's file.

    Blank lines, ``#`` comments and an ``id`` header are skipped; a repeated id keeps its
    last line (a helper's correction); an alternative that is not a label, or repeats the
    label, is dropped rather than failing the file, since it only widens what counts as
    right.
    """
    if not path.is_file():
        raise DataError(f"{path} is missing: that step's helper has not written it yet.")
    out: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = [part.strip() for part in line.split("\t")]
        if not line.strip() or line.startswith("#") or parts[0] == "id":
            continue
        label = parts[1] if len(parts) > 1 else ""
        alt = parts[2] if len(parts) > 2 else ""
        if label not in LABELS:
            raise DataError(f"{path}, line {number}: label {label!r} is not one of {list(LABELS)}.")
        out[parts[0]] = (label, alt if alt in LABELS and alt != label else "")
    return out


def write_label_file(path: Path, rows: Iterable[tuple[str, str, str]]) -> None:
    """Write ``(id, label, alt)`` rows in the format :func:`read_label_file` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")


Vote = tuple[str, str]


def consensus(a: Vote, b: Vote, ruling: Vote | None) -> Vote | None:
    """The (label, alt) of a sentence two annotators labeled blind, or None if undecided.

    Agreement stands (with the second label only when both gave the same one); a
    disagreement takes the adjudicator's ruling, and without one the sentence has no
    label yet, so it is reported instead of guessed.
    """
    if a[0] == b[0]:
        return a[0], a[1] if a[1] == b[1] else ""
    return ruling


def agreement(rows: list[dict[str, str]]) -> dict[str, object]:
    """Counts, Cohen's kappa and raw agreement of label rows with both annotators' labels
    (``annotator_a``, ``annotator_b``, ``adjudicated``, ``label_alt``), as the data card
    reports them."""
    from collections import Counter

    from sklearn.metrics import cohen_kappa_score

    a = [r["annotator_a"] for r in rows]
    b = [r["annotator_b"] for r in rows]
    pairs = Counter(tuple(sorted(pair)) for pair in zip(a, b, strict=True) if pair[0] != pair[1])
    return {
        "sentences": len(rows),
        "labels": dict(Counter(r["label"] for r in rows)),
        "kappa": round(float(cohen_kappa_score(a, b)), 3),
        "raw_agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / len(rows), 3),
        "adjudicated": sum(r["adjudicated"] == "true" for r in rows),
        "with_label_alt": sum(bool(r["label_alt"]) for r in rows),
        "disagreement_pairs": {f"{x} / {y}": n for (x, y), n in pairs.most_common()},
    }


def write_disagreements(batch: Path, a_file: Path, b_file: Path, out: Path) -> int:
    """Write the sentences two annotators labeled differently, for an adjudicator.

    ``batch`` is the file the annotators read (``id<TAB>text``; a line starting with
    ``#`` opens a new item or article). Each disagreement is shown with the sentences
    before it in its item, as the annotators saw them, and the two labels in an order
    seeded by the batch's name, so the adjudicator cannot tell A from B. Returns the count.
    """
    import random

    rng = random.Random(f"7-{batch.stem.removeprefix('batch_')}")
    a, b = read_label_file(a_file), read_label_file(b_file)
    blocks: list[str] = []
    context: list[str] = []
    for line in batch.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            context = []
            continue
        sentence_id, _, text = line.partition("\t")
        if sentence_id in a and sentence_id in b and a[sentence_id][0] != b[sentence_id][0]:
            votes = [a[sentence_id], b[sentence_id]]
            rng.shuffle(votes)
            shown = [label + (f" ({alt})" if alt else "") for label, alt in votes]
            blocks.append(
                "\n".join(
                    [f"## {sentence_id}"]
                    + [f"context: {c}" for c in context]
                    + [f"sentence: {text}", f"A: {shown[0]}", f"B: {shown[1]}", ""]
                )
            )
        context.append(text)
    out.write_text("\n".join(blocks), encoding="utf-8")
    return len(blocks)
