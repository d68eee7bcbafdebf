"""Re-label the real training sentences that the teachers contradict (a label audit; no text to git).

The annotation rounds add sentences; this round checks old ones. The blind double
annotation behind the shipped labels agrees at kappa 0.94, so a few percent of the
training labels are wrong, and a wrong label costs most where the models are already
unsure. A training sentence whose label the teachers, trained on that very label, still
contradict with confidence is either a hard case or an error: those are the ones worth a
second look (the "confident learning" idea of Northcutt et al., 2021).

Protocol:
1. ``flag``: every real training sentence for which the mean of the teachers' cached
   probabilities (``conflictnlp label-pool`` caches, one per teacher) puts at least
   ``--threshold`` on one other label. The flagged sentences go into review batches with
   their item's earlier sentences as context, without any label (blind).
2. Two annotators relabel each batch blind, as in any round (``review/A``, ``review/B``).
3. ``prepare-adjudication NN``: where one of the two agrees with the shipped label, it
   stands (two of three). Where neither does, the three labels go, unattributed and in
   random order, to an adjudicator, whose ruling (``review/rulings``) replaces the label
   when ``assemble_current_events.py`` next writes the label files (column ``reviewed``).

Only the training split is audited. Validation and test labels are never revisited on a
model's say-so: that would pull the evaluation towards the models.

Usage:
    python scripts/review_labels.py flag --work /tmp/ann --teacher-cache runs/teacher_labels ...
    python scripts/review_labels.py prepare-adjudication --work /tmp/ann 01
    python scripts/review_labels.py summary --work /tmp/ann --out docs/results/x.json
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

import numpy as np

from conflictnlp.data.current_events import read_labels
from conflictnlp.data.label_files import read_label_file
from conflictnlp.labels import LABELS
from conflictnlp.training.teacher_labels import cached_probabilities

REVIEW = "review"


def _items(work: Path) -> dict[str, list[dict]]:
    """The work folder's sentences by item, in order."""
    items: dict[str, list[dict]] = {}
    for line in (work / "sample.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        items.setdefault(row["id"].rsplit("/", 1)[0], []).append(row)
    for rows in items.values():
        rows.sort(key=lambda r: int(r["id"].rsplit("/", 1)[1]))
    return items


def teacher_probabilities(caches: list[Path], texts: list[str]) -> np.ndarray:
    """The mean over teachers of their cached probabilities for ``texts``.

    A sentence some cache lacks is an error: the audit must see every training sentence.
    """
    total = np.zeros((len(texts), len(LABELS)))
    for folder in caches:
        probs = cached_probabilities(folder, texts)
        missing = [t for t, row in zip(texts, probs, strict=True) if np.isnan(row).any()]
        if missing:
            raise SystemExit(
                f"{folder} lacks the teacher's labels for {len(missing)} training sentences "
                f"(e.g. {missing[0]!r}); run `conflictnlp label-pool` with that teacher first."
            )
        total += probs
    return total / len(caches)


def flag(work: Path, caches: list[Path], threshold: float, chunk: int) -> int:
    """Write the blind review batches; return how many sentences they hold."""
    shipped = {row["id"]: row["label"] for row in read_labels()["train"]}
    items = _items(work)
    rows = [r for item in items.values() for r in item if r["id"] in shipped]
    probs = teacher_probabilities(caches, [r["text"] for r in rows])
    flagged: dict[str, tuple[str, float]] = {}
    for row, p in zip(rows, probs, strict=True):
        best = int(p.argmax())
        if LABELS[best] != shipped[row["id"]] and p[best] >= threshold:
            flagged[row["id"]] = (LABELS[best], float(p[best]))
    folder = work / REVIEW
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "flagged.tsv").open("w", encoding="utf-8") as handle:
        handle.write("id\tshipped\tteachers\tprobability\n")
        for sentence_id, (label, p) in flagged.items():
            handle.write(f"{sentence_id}\t{shipped[sentence_id]}\t{label}\t{p:.3f}\n")
    batches: list[list[str]] = [[]]
    count = 0
    for item_id, item in items.items():
        last = max((k for k, r in enumerate(item) if r["id"] in flagged), default=-1)
        if last < 0:
            continue
        if count >= chunk:
            batches.append([])
            count = 0
        batches[-1].append(f"# item {item_id}")
        for row in item[: last + 1]:
            if row["id"] in flagged:
                batches[-1].append(f"{row['id']}\t{row['text']}")
                count += 1
            else:
                batches[-1].append(f"# context: {row['text']}")
    for number, lines in enumerate(filter(None, batches), start=1):
        (folder / f"batch_{number:02d}.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    return len(flagged)


def _blocks(batch: Path) -> list[tuple[str, list[str], str]]:
    """(id, context, sentence) for each sentence to label in a review batch."""
    blocks, context = [], []
    for line in batch.read_text(encoding="utf-8").splitlines():
        if line.startswith("# item"):
            context = []
        elif line.startswith("# context: "):
            context.append(line.removeprefix("# context: "))
        elif line.strip():
            sentence_id, text = line.split("\t", 1)
            blocks.append((sentence_id, list(context), text))
            context.append(text)
    return blocks


def _flagged(work: Path) -> dict[str, str]:
    """The flagged sentences and their labels when flagged (later assemblies change them)."""
    lines = (work / REVIEW / "flagged.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return dict(line.split("\t")[:2] for line in lines)  # type: ignore[misc]


def prepare_adjudication(work: Path, batch: str, seed: int = 11) -> int:
    """Write the cases of one batch where neither reviewer kept the shipped label."""
    folder = work / REVIEW
    shipped = _flagged(work)
    a = read_label_file(folder / "A" / f"batch_{batch}.tsv")
    b = read_label_file(folder / "B" / f"batch_{batch}.tsv")
    rng = random.Random(f"{seed}-{batch}")
    blocks = _blocks(folder / f"batch_{batch}.tsv")
    for reviewer, labels in (("A", a), ("B", b)):
        missing = [sentence_id for sentence_id, _, _ in blocks if sentence_id not in labels]
        if missing:
            raise SystemExit(
                f"{folder / reviewer / f'batch_{batch}.tsv'} lacks {len(missing)} sentence(s) "
                f"of the batch, e.g. {missing[:3]}; have that reviewer finish the batch."
            )
    cases = []
    for sentence_id, context, text in blocks:
        votes = [a[sentence_id][0], b[sentence_id][0], shipped[sentence_id]]
        if shipped[sentence_id] in votes[:2]:
            continue
        rng.shuffle(votes)
        cases.append(
            "\n".join(
                [f"## {sentence_id}"]
                + [f"context: {c}" for c in context]
                + [f"sentence: {text}", f"labels: {', '.join(votes)}", ""]
            )
        )
    (folder / "rulings").mkdir(exist_ok=True)
    (folder / f"cases_{batch}.txt").write_text("\n".join(cases), encoding="utf-8")
    return len(cases)


def summary(work: Path) -> dict:
    """What the audit found: reviewer agreement, and which labels changed to what."""
    from sklearn.metrics import cohen_kappa_score

    folder = work / REVIEW
    shipped = _flagged(work)
    flagged = list(shipped)
    a, b = {}, {}
    for batch in sorted(folder.glob("batch_*.tsv")):
        a.update(read_label_file(folder / "A" / batch.name))
        b.update(read_label_file(folder / "B" / batch.name))
    rulings: dict[str, tuple[str, str]] = {}
    for path in sorted((folder / "rulings").glob("batch_*.tsv")):  # this round's alone
        rulings.update(read_label_file(path))
    changed = Counter(
        f"{shipped[i]} -> {label}" for i, (label, _) in rulings.items() if label != shipped[i]
    )
    return {
        "flagged": len(flagged),
        "reviewers_kappa": round(
            float(cohen_kappa_score([a[i][0] for i in flagged], [b[i][0] for i in flagged])), 3
        ),
        "reviewers_agree": sum(a[i][0] == b[i][0] for i in flagged),
        "a_keeps_shipped": sum(a[i][0] == shipped[i] for i in flagged),
        "b_keeps_shipped": sum(b[i][0] == shipped[i] for i in flagged),
        "adjudicated": len(rulings),
        "changed": sum(changed.values()),
        "changes": dict(changed.most_common()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("flag", help="write the blind review batches")
    p.add_argument("--work", required=True, type=Path)
    p.add_argument("--teacher-cache", required=True, type=Path, nargs="+")
    p.add_argument("--threshold", type=float, default=0.7)
    p.add_argument("--chunk", type=int, default=160, help="sentences per review batch")
    p = sub.add_parser("prepare-adjudication", help="write one batch's cases to rule on")
    p.add_argument("--work", required=True, type=Path)
    p.add_argument("batch")
    p = sub.add_parser("summary", help="reviewer agreement and the changes, as JSON")
    p.add_argument("--work", required=True, type=Path)
    p.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.step == "flag":
        count = flag(args.work, args.teacher_cache, args.threshold, args.chunk)
        print(f"{count} training sentences flagged for review in {args.work / REVIEW}")
    elif args.step == "prepare-adjudication":
        count = prepare_adjudication(args.work, args.batch)
        print(f"{count} cases to rule on in batch {args.batch}")
    else:
        result = summary(args.work)
        if args.out:
            args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
