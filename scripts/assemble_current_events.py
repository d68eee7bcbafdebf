"""Turn the two blind annotations and the adjudication into the shipped label files.

Inputs (a work folder, not in git: it holds source text):
    sample.jsonl        the chosen sentences (scripts/sample_current_events.py)
    A/batch_NN.tsv      annotator A: id<TAB>label<TAB>alt
    B/batch_NN.tsv      annotator B, blind to A
    adjudication/*.tsv  the adjudicator's ruling on every disagreement: id<TAB>label<TAB>alt
    review/rulings/*.tsv  rulings of a later label audit (scripts/review_labels.py), which
                        replace the label of the sentences they name (column ``reviewed``)

Outputs: conflictnlp/resources/data/current_events/{train,validation,test}.tsv (labels and
hashes, no text) and a JSON summary (counts, kappa per split, disagreement pairs,
countries mentioned) for docs/datacard.md.

A work folder lives on one machine; ``--rebuild-from SNAPSHOT`` recreates it from the
shipped label files and the snapshot (sample.jsonl, and both annotators' labels and the
rulings as ``shipped.tsv``), so that a later round of annotation can be added to it.

Usage:
    python scripts/assemble_current_events.py --work /tmp/ann --summary docs/results/current_events_annotation.json
    python scripts/assemble_current_events.py --work /tmp/ann --rebuild-from /path/to/snapshot
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections import Counter
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from conflictnlp.data.current_events import LABEL_COLUMNS, SPLIT_YEARS, labels_dir
from conflictnlp.data.label_files import (
    agreement,
    consensus,
    read_label_file,
    write_disagreements,
    write_label_file,
)

_OUTLET_FRAGMENT = re.compile(r"^\([^()]*\)\W*$")


def _read_labels(folder: Path) -> dict[str, tuple[str, str]]:
    """id -> (label, alt) from every .tsv in ``folder``: the rebuilt ``shipped.tsv`` first,
    then this round's files by name, each winning over the ones before on repeats (a
    sentence audited again keeps its latest ruling)."""
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(folder.glob("*.tsv"), key=lambda p: (p.name != "shipped.tsv", p.name)):
        out.update(read_label_file(path))
    return out


def _countries(texts: list[str]) -> Counter[str]:
    """Countries named in the texts (pycountry names, common names and demonym-free forms)."""
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                names[value.split(",")[0]] = country.name
    names.update(
        {
            "United States": "United States",
            "U.S.": "United States",
            "Russia": "Russian Federation",
            "Iran": "Iran, Islamic Republic of",
            "Syria": "Syrian Arab Republic",
            "North Korea": "Korea, Democratic People's Republic of",
            "South Korea": "Korea, Republic of",
            "Venezuela": "Venezuela, Bolivarian Republic of",
            "Bolivia": "Bolivia, Plurinational State of",
            "Tanzania": "Tanzania, United Republic of",
            "Vietnam": "Viet Nam",
            "Laos": "Lao People's Democratic Republic",
            "Democratic Republic of the Congo": "Congo, The Democratic Republic of the",
            "Ivory Coast": "Côte d'Ivoire",
            "Turkey": "Türkiye",
            "Czech Republic": "Czechia",
            "Palestine": "Palestine, State of",
            "Gaza": "Palestine, State of",
            "West Bank": "Palestine, State of",
            "Moldova": "Moldova, Republic of",
            "Burma": "Myanmar",
        }
    )
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b"
    )
    found: Counter[str] = Counter()
    for text in texts:
        for match in set(pattern.findall(text)):
            found[names[match]] += 1
    return found


def prepare_adjudication(work: Path, batch: str) -> int:
    """Write the disagreements of one batch for the adjudicator, A and B in random order."""
    return write_disagreements(
        work / f"batch_{batch}.tsv",
        work / "A" / f"batch_{batch}.tsv",
        work / "B" / f"batch_{batch}.tsv",
        work / f"disagreements_{batch}.txt",
    )


def rebuild_work(source: Path, work: Path) -> int:
    """Recreate a work folder from the shipped labels and the snapshot; return its size.

    The shipped rows keep both annotators' labels and the ruling, so ``main`` run on the
    rebuilt folder writes the same label files again (an agreed alternative label is given
    to both annotators, a ruled one to the adjudicator).
    """
    from conflictnlp.data.current_events import BuildReport, item_sentences, iter_items, read_labels

    shipped = {row["id"]: (split, row) for split, rows in read_labels().items() for row in rows}
    dates = {sentence_id.split("/", 1)[0] for sentence_id in shipped}
    sample = []
    for item in iter_items(source, dates, BuildReport()):
        for sentence in item_sentences(item):
            if sentence.id in shipped:
                split, row = shipped[sentence.id]
                if sentence.hash != row["hash"]:
                    raise ValueError(f"{sentence.id}: the snapshot's text does not match its hash")
                sample.append(
                    {
                        "id": sentence.id,
                        "text": sentence.text,
                        "hash": sentence.hash,
                        "category": sentence.category,
                        "split": split,
                    }
                )
    missing = set(shipped) - {r["id"] for r in sample}
    if missing:
        raise ValueError(
            f"{len(missing)} shipped labels not in {source}, e.g. {sorted(missing)[:5]}"
        )
    work.mkdir(parents=True, exist_ok=True)
    (work / "sample.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in sample), encoding="utf-8"
    )
    rows = [row for _, row in shipped.values()]
    agreed_alt = {r["id"]: r["label_alt"] if r["adjudicated"] == "false" else "" for r in rows}
    for folder, column in (("A", "annotator_a"), ("B", "annotator_b")):
        write_label_file(
            work / folder / "shipped.tsv",
            [(r["id"], r[column], agreed_alt[r["id"]]) for r in rows],
        )
    # a reviewed label came after the adjudication, which it replaced: the adjudicator's
    # own ruling is not kept, and the review's ruling stands in for both
    reviewed = [r for r in rows if r["reviewed"] == "true"]
    write_label_file(
        work / "adjudication" / "shipped.tsv",
        [(r["id"], r["label"], r["label_alt"]) for r in rows if r["adjudicated"] == "true"],
    )
    write_label_file(
        work / "review" / "rulings" / "shipped.tsv",
        [(r["id"], r["label"], r["label_alt"]) for r in reviewed],
    )
    return len(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--summary", type=Path, help="where to write the JSON summary")
    parser.add_argument(
        "--prepare-adjudication", metavar="BATCH", help="write disagreements_BATCH.txt and stop"
    )
    parser.add_argument(
        "--rebuild-from",
        metavar="SNAPSHOT",
        type=Path,
        help="recreate the work folder from the shipped labels and the snapshot, and stop",
    )
    args = parser.parse_args()
    if args.rebuild_from:
        print(f"{rebuild_work(args.rebuild_from, args.work)} sentences in {args.work}")
        return
    if args.prepare_adjudication:
        (args.work / "adjudication").mkdir(exist_ok=True)
        count = prepare_adjudication(args.work, args.prepare_adjudication)
        print(f"{count} disagreements in batch {args.prepare_adjudication}")
        return

    sample = [json.loads(line) for line in (args.work / "sample.jsonl").open(encoding="utf-8")]
    a = _read_labels(args.work / "A")
    b = _read_labels(args.work / "B")
    adjudicated = _read_labels(args.work / "adjudication")
    reviewed = _read_labels(args.work / "review" / "rulings")

    rows_by_split: dict[str, list[dict[str, str]]] = {s: [] for s in SPLIT_YEARS}
    unlabeled = []
    for row in sample:
        if row["id"] not in a or row["id"] not in b:
            unlabeled.append(row["id"])
            continue
        (label_a, _), (label_b, _) = a[row["id"]], b[row["id"]]
        decided = consensus(a[row["id"]], b[row["id"]], adjudicated.get(row["id"]))
        if decided is None:
            unlabeled.append(row["id"])
            continue
        label, alt = decided
        if row["id"] in reviewed:
            label, alt = reviewed[row["id"]]
        rows_by_split[row["split"]].append(
            {
                "id": row["id"],
                "hash": row["hash"],
                "label": label,
                "label_alt": alt,
                "annotator_a": label_a,
                "annotator_b": label_b,
                "adjudicated": "true" if label_a != label_b else "false",
                "reviewed": "true" if row["id"] in reviewed else "false",
                "year": row["id"][:4],
                "category": row["category"],
            }
        )
    if unlabeled:
        print(f"{len(unlabeled)} sentences lack a label or a ruling, e.g. {unlabeled[:10]}")
    # Short stock sentences recur across years ("No injuries are reported."): a sentence
    # whose hash is already in an earlier split (or earlier in its own) is dropped from the
    # later one, so no test sentence is a training sentence. Leftover outlet fragments
    # ("(ABC News),") are not sentences and are dropped too.
    seen_hashes: set[str] = set()
    texts_by_id = {row["id"]: row["text"] for row in sample}
    for split in SPLIT_YEARS:
        kept = []
        for r in rows_by_split[split]:
            if r["hash"] in seen_hashes or _OUTLET_FRAGMENT.match(texts_by_id[r["id"]]):
                print(f"dropped {split} {r['id']}: {texts_by_id[r['id']]!r}")
                continue
            seen_hashes.add(r["hash"])
            kept.append(r)
        rows_by_split[split] = kept

    out_dir = labels_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    summary: dict = {"splits": {}, "unlabeled": unlabeled}
    texts = {row["id"]: row["text"] for row in sample}
    for split, rows in rows_by_split.items():
        rows.sort(
            key=lambda r: [
                int(p) if p.isdigit() else p for p in r["id"].replace("/", "-").split("-")
            ]
        )
        with (out_dir / f"{split}.tsv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, LABEL_COLUMNS, delimiter="\t", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        summary["splits"][split] = {
            **agreement(rows),
            "reviewed": sum(r["reviewed"] == "true" for r in rows),
            "years": dict(sorted(Counter(r["year"] for r in rows).items())),
        }
    all_rows = [r for rows in rows_by_split.values() for r in rows]
    countries = _countries([texts[r["id"]] for r in all_rows])
    summary["countries"] = {"count": len(countries), "top": dict(countries.most_common(30))}
    summary["categories"] = dict(Counter(r["category"] for r in all_rows).most_common(15))
    summary["total"] = len(all_rows)
    summary["kappa_all"] = round(
        float(
            cohen_kappa_score(
                [r["annotator_a"] for r in all_rows], [r["annotator_b"] for r in all_rows]
            )
        ),
        3,
    )
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(json.dumps({k: v for k, v in summary.items() if k != "unlabeled"}, indent=1)[:3000])


if __name__ == "__main__":
    main()
