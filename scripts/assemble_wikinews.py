"""Make the wikinews-sources label file from two blind annotations and an adjudication.

The corpus is every distinct English source sentence of the pinned WikinewsSum file
(``conflictnlp.data.wikinews``), labeled whole: no sampling, so its class mix is the
natural mix of the articles.

Work folder (not in git: it holds source text):
    sample.jsonl            every sentence, id/text/outlet (``--prepare`` writes it)
    batches/batch_NN.tsv    what the annotators read: whole articles in file order
    A/batch_NN.tsv, B/...   the two annotators' ``id<TAB>label<TAB>alt`` files
    adjudication/*.tsv      the adjudicator's ruling on every disagreement

Usage:
    python scripts/assemble_wikinews.py --source FILE --work DIR --prepare
    python scripts/assemble_wikinews.py --work DIR --prepare-adjudication 03
    python scripts/assemble_wikinews.py --work DIR --summary docs/results/wikinews_annotation.json
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from conflictnlp.data.label_files import (
    agreement,
    consensus,
    read_label_file,
    write_disagreements,
)
from conflictnlp.data.wikinews import LABEL_COLUMNS, iter_sentences, labels_dir, resolve_source

#: Sentences per batch: whole articles are added until a batch holds at least this many.
BATCH_SIZE = 480


def prepare(source: str | Path, work: Path, batch_size: int = BATCH_SIZE) -> list[int]:
    """Write ``sample.jsonl`` and the annotators' batches; return the batch sizes."""
    sentences = list(iter_sentences(resolve_source(source)))
    batches: list[list] = [[]]
    for sentence in sentences:
        if len(batches[-1]) >= batch_size and sentence.article_id != batches[-1][-1].article_id:
            batches.append([])
        batches[-1].append(sentence)
    (work / "batches").mkdir(parents=True, exist_ok=True)
    (work / "sample.jsonl").write_text(
        "".join(
            json.dumps({"id": s.id, "text": s.text, "outlet": s.outlet}) + "\n" for s in sentences
        ),
        encoding="utf-8",
    )
    for number, batch in enumerate(batches):
        lines = ["id\ttext"]
        for i, sentence in enumerate(batch):
            if i == 0 or sentence.article_id != batch[i - 1].article_id:
                lines.append(f"# --- article {sentence.article_id} ({sentence.outlet}) ---")
            lines.append(f"{sentence.id}\t{sentence.text}")
        (work / "batches" / f"batch_{number:02d}.tsv").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )
    return [len(batch) for batch in batches]


def _folder_labels(folder: Path) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(folder.glob("*.tsv")):
        out.update(read_label_file(path))
    return out


def assemble(work: Path, out_dir: Path) -> dict:
    """Write ``test.tsv`` (labels and hashes, no text) and return the summary."""
    from conflictnlp.data.pinned_source import sentence_hash

    sample = [json.loads(line) for line in (work / "sample.jsonl").open(encoding="utf-8")]
    a, b = _folder_labels(work / "A"), _folder_labels(work / "B")
    rulings = _folder_labels(work / "adjudication")
    rows, unlabeled = [], []
    for item in sample:
        sentence_id = item["id"]
        if sentence_id not in a or sentence_id not in b:
            unlabeled.append(sentence_id)
            continue
        decided = consensus(a[sentence_id], b[sentence_id], rulings.get(sentence_id))
        if decided is None:
            unlabeled.append(sentence_id)
            continue
        rows.append(
            {
                "id": sentence_id,
                "hash": sentence_hash(item["text"]),
                "label": decided[0],
                "label_alt": decided[1],
                "annotator_a": a[sentence_id][0],
                "annotator_b": b[sentence_id][0],
                "adjudicated": "true" if a[sentence_id][0] != b[sentence_id][0] else "false",
                "outlet": item["outlet"],
            }
        )
    if unlabeled:
        raise SystemExit(
            f"{len(unlabeled)} sentence(s) lack a label or a ruling, e.g. {unlabeled[:10]}: "
            "finish those batches (or their adjudication) first."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "test.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, LABEL_COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return {
        **agreement(rows),
        "articles": len({r["id"].rsplit("/", 2)[0] for r in rows}),
        "outlets": dict(Counter(r["outlet"] for r in rows).most_common(15)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--source", help="the pinned WikinewsSum file (for --prepare)")
    parser.add_argument("--prepare", action="store_true", help="write the batches and stop")
    parser.add_argument("--prepare-adjudication", metavar="BATCH")
    parser.add_argument("--summary", type=Path, help="where to write the JSON summary")
    args = parser.parse_args()
    if args.prepare:
        if not args.source:
            parser.error("--prepare needs --source, the pinned WikinewsSum file")
        sizes = prepare(args.source, args.work)
        print(f"{sum(sizes)} sentences in {len(sizes)} batches: {sizes}")
        return
    if args.prepare_adjudication:
        batch = args.prepare_adjudication
        (args.work / "adjudication").mkdir(exist_ok=True)
        count = write_disagreements(
            args.work / "batches" / f"batch_{batch}.tsv",
            args.work / "A" / f"batch_{batch}.tsv",
            args.work / "B" / f"batch_{batch}.tsv",
            args.work / f"disagreements_{batch}.txt",
        )
        print(f"{count} disagreements in batch {batch}")
        return
    summary = assemble(args.work, labels_dir())
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
