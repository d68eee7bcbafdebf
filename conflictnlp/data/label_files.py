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
