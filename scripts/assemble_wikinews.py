"""Make a Wikinews corpus's label files from two blind annotations and an adjudication.

Two corpora are labeled this way, whole articles at a time:

- ``wikinews-sources`` (``conflictnlp.data.wikinews``): every distinct English source
  sentence of the pinned WikinewsSum file, no sampling, so its class mix is the natural
  mix of the articles; one ``test.tsv``.
- ``wikinews-articles`` (``conflictnlp.data.wikinews_articles``): rounds of whole
  reports drawn at random (``--articles N --seed S``) from the pinned MomentumDecoding
  file, never one already labeled or one of ``EXCLUDED_ARTICLES``; a round's labels are
  added to ``train.tsv`` and ``validation.tsv``, each report in the split its id hashes
  to (``split_of``).

Work folder (not in git: it holds source text):
    sample.jsonl            every sentence to label, id/text/group/split (``--prepare``)
    batches/batch_NN.tsv    what the annotators read: whole articles in sample order
    A/batch_NN.tsv, B/...   the two annotators' ``id<TAB>label<TAB>alt`` files
    adjudication/*.tsv      the adjudicator's ruling on every disagreement

Usage:
    python scripts/assemble_wikinews.py --corpus C --source FILE --work DIR --prepare \
        [--articles 400 --seed 20261202]
    python scripts/assemble_wikinews.py --corpus C --work DIR --prepare-adjudication 03
    python scripts/assemble_wikinews.py --corpus C --work DIR --summary OUT.json
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import Counter, defaultdict
from collections.abc import Collection
from pathlib import Path
from typing import Any, NamedTuple

from conflictnlp.data import wikinews, wikinews_articles
from conflictnlp.data.label_files import (
    agreement,
    consensus,
    read_label_file,
    write_disagreements,
)
from conflictnlp.data.pinned_source import read_label_rows, sentence_hash

#: Sentences per batch: whole articles are added until a batch holds at least this many.
BATCH_SIZE = 480
#: Reports of wikinews-articles drawn for a round of labeling, and the seed of the draw
#: (round 1, 0.11: 400 reports, seed 20261202; round 2: 600, seed 20261203;
#: round 3: 600, seed 20261204; round 4: the last 400, seed 20261205).
ARTICLES = 400
SEED = 20261202


class Item(NamedTuple):
    """A sentence to label: ``group`` heads its article in the batch (an outlet or id)."""

    id: str
    text: str
    article: str
    group: str
    split: str


def sources_items(source: str | Path, **_: Any) -> list[Item]:
    """Every wikinews-sources sentence, in file order (all go to ``test``)."""
    return [
        Item(s.id, s.text, s.article_id, s.outlet, "test")
        for s in wikinews.iter_sentences(wikinews.resolve_source(source))
    ]


def articles_items(
    source: str | Path,
    count: int = ARTICLES,
    seed: int = SEED,
    skip: Collection[str] = (),
) -> list[Item]:
    """The sentences of ``count`` reports drawn at random (``seed``), in draw order.

    Reports in ``skip`` (those labeled in earlier rounds) are never drawn, so a round
    only adds reports.
    """
    left_out = set(skip) | wikinews_articles.EXCLUDED_ARTICLES
    articles = [
        (article_id, sentences)
        for article_id, sentences in wikinews_articles.iter_articles(
            wikinews_articles.resolve_source(source)
        )
        if sentences and article_id not in left_out
    ]
    if not articles:
        raise SystemExit(
            f"no report of {source} is left to draw: all are labeled or excluded "
            f"({len(set(skip))} labeled). More reports need a new pinned source."
        )
    drawn = random.Random(seed).sample(articles, min(count, len(articles)))
    return [
        Item(
            s.id, s.text, article_id, f"report {article_id}", wikinews_articles.split_of(article_id)
        )
        for article_id, sentences in drawn
        for s in sentences
    ]


class Corpus(NamedTuple):
    """What differs between the two corpora: how items are drawn and what a row keeps."""

    module: Any
    items: Any
    #: The label-file column that keeps ``Item.group`` (wikinews-sources: the outlet).
    group_column: str | None
    #: Whether rounds add to the shipped labels (True) or one pass writes them all.
    in_rounds: bool


CORPORA = {
    wikinews.NAME: Corpus(wikinews, sources_items, "outlet", in_rounds=False),
    wikinews_articles.NAME: Corpus(wikinews_articles, articles_items, None, in_rounds=True),
}


def prepare(items: list[Item], work: Path, batch_size: int = BATCH_SIZE) -> list[int]:
    """Write ``sample.jsonl`` and the annotators' batches; return the batch sizes."""
    batches: list[list[Item]] = [[]]
    for item in items:
        if len(batches[-1]) >= batch_size and item.article != batches[-1][-1].article:
            batches.append([])
        batches[-1].append(item)
    (work / "batches").mkdir(parents=True, exist_ok=True)
    (work / "sample.jsonl").write_text(
        "".join(json.dumps(item._asdict()) + "\n" for item in items), encoding="utf-8"
    )
    for number, batch in enumerate(batches):
        lines = ["id\ttext"]
        for i, item in enumerate(batch):
            if i == 0 or item.article != batch[i - 1].article:
                lines.append(f"# --- article {item.article} ({item.group}) ---")
            lines.append(f"{item.id}\t{item.text}")
        (work / "batches" / f"batch_{number:02d}.tsv").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )
    return [len(batch) for batch in batches]


def _folder_labels(folder: Path) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(folder.glob("*.tsv")):
        out.update(read_label_file(path))
    return out


def assemble(corpus: Corpus, work: Path, out_dir: Path) -> dict:
    """Write one label file per split (labels and hashes, no text); return the summary."""
    sample = [Item(**json.loads(line)) for line in (work / "sample.jsonl").open(encoding="utf-8")]
    a, b = _folder_labels(work / "A"), _folder_labels(work / "B")
    rulings = _folder_labels(work / "adjudication")
    splits: dict[str, list[dict[str, str]]] = defaultdict(list)
    unlabeled = []
    for item in sample:
        decided = None
        if item.id in a and item.id in b:
            decided = consensus(a[item.id], b[item.id], rulings.get(item.id))
        if decided is None:
            unlabeled.append(item.id)
            continue
        row = {
            "id": item.id,
            "hash": sentence_hash(item.text),
            "label": decided[0],
            "label_alt": decided[1],
            "annotator_a": a[item.id][0],
            "annotator_b": b[item.id][0],
            "adjudicated": "true" if a[item.id][0] != b[item.id][0] else "false",
        }
        if corpus.group_column:
            row[corpus.group_column] = item.group
        splits[item.split].append(row)
    if unlabeled:
        raise SystemExit(
            f"{len(unlabeled)} sentence(s) lack a label or a ruling, e.g. {unlabeled[:10]}: "
            "finish those batches (or their adjudication) first."
        )
    new = [row for rows in splits.values() for row in rows]
    summary: dict[str, Any] = {
        **agreement(new),
        "articles": len({item.article for item in sample}),
        "splits": _counts(splits),
    }
    if corpus.in_rounds:
        splits = _with_earlier_rounds(splits, out_dir, {row["id"] for row in new})
        summary["shipped_after_this_round"] = _counts(splits)
    out_dir.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        with (out_dir / f"{split}.tsv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(
                handle, corpus.module.LABEL_COLUMNS, delimiter="\t", lineterminator="\n"
            )
            writer.writeheader()
            writer.writerows(rows)
    if corpus.group_column:
        summary["outlets"] = dict(Counter(item.group for item in sample).most_common(15))
    return summary


def _counts(splits: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    return {
        split: {"sentences": len(rows), "labels": dict(Counter(r["label"] for r in rows))}
        for split, rows in sorted(splits.items())
    }


def labeled_reports(corpus: Corpus, folder: Path) -> set[str]:
    """The reports whose sentences the label files in ``folder`` already hold."""
    return {
        row["id"].split("/")[0]
        for split in corpus.module.SPLITS
        if (folder / f"{split}.tsv").is_file()
        for row in read_label_rows(folder / f"{split}.tsv")
    }


def _with_earlier_rounds(
    splits: dict[str, list[dict[str, str]]], folder: Path, relabeled: set[str]
) -> dict[str, list[dict[str, str]]]:
    """Each split's rows of earlier rounds (unless relabeled now), then this round's."""
    merged = {}
    for split in sorted(set(splits) | {p.stem for p in folder.glob("*.tsv")}):
        path = folder / f"{split}.tsv"
        earlier = read_label_rows(path) if path.is_file() else []
        kept = [row for row in earlier if row["id"] not in relabeled]
        merged[split] = kept + splits.get(split, [])
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(CORPORA), default=wikinews.NAME)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--source", help="the corpus's pinned file (for --prepare)")
    parser.add_argument("--prepare", action="store_true", help="write the batches and stop")
    parser.add_argument("--articles", type=int, default=ARTICLES, help="reports in a round")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of a round's draw")
    parser.add_argument("--prepare-adjudication", metavar="BATCH")
    parser.add_argument("--summary", type=Path, help="where to write the JSON summary")
    args = parser.parse_args()
    corpus = CORPORA[args.corpus]
    if args.prepare:
        if not args.source:
            parser.error(f"--prepare needs --source, the pinned file: {corpus.module.PIN.url}")
        done = labeled_reports(corpus, corpus.module.labels_dir()) if corpus.in_rounds else set()
        items = corpus.items(args.source, count=args.articles, seed=args.seed, skip=done)
        sizes = prepare(items, args.work)
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
    summary = assemble(corpus, args.work, corpus.module.labels_dir())
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
