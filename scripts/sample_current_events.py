"""Choose the current-events sentences to annotate (kept for provenance; writes no text to git).

The sample mixes two parts in every split, by sentence count:
- 40% items drawn uniformly at random from all items of the split's years: the natural
  mix of real news, mostly `other`;
- 60% items with conflict, diplomacy, crime or politics content, found by the portal's
  category or by keywords, in fixed quotas per theme (violence, diplomacy, accusations,
  politics and law) so that every label has enough examples in every split.
Items are sampled whole (their sentences are annotated together, in order); exact and
near-duplicate sentences (character 4-gram TF-IDF cosine >= 0.85) are dropped.

``--top-up N`` runs after the first round of annotation showed accusations (about 3% of
sentences) and attacks (about 6%) too rare for 150 of each in the test split: it adds test
items (2023 onwards) matching accusation and attack keywords, de-duplicated against the
sample, as one more batch. ``--top-up N --split train`` (0.2) does the same for the
training years, where the 0.2 models were weakest (allegation, diplomatic_move, attack):
it adds items matching accusation, diplomacy and attack keywords, de-duplicated against
the whole sample (every split), in batches of ``--chunk`` sentences.

``--top-up N --round train-3 --uncertain-by MODEL`` (0.4) chooses by a model instead of
keywords (uncertainty sampling): every training-year item not yet in the sample is scored
by MODEL, and the items whose least certain sentence has the smallest margin between the
model's two top labels are taken first. Those are the sentences the shipped models get
wrong most, above all the ordinary ones they give a conflict label.

Round ``train-4`` (0.6) repeats this with the 0.5 default, trained on ``train-3``, and
round ``train-5`` (0.7) with the 0.6 default, trained on ``train-4``.

Round ``train-6`` (0.9) adds ``--focus allegation``: the 0.7 default's doubt is counted only
on sentences with `allegation` among its top two labels, so the round goes to the boundary
of the label both models get most wrong on real validation (allegation against other, attack
and diplomatic_move), not to the model's doubt in general.

Round ``train-7`` (0.10) is chosen by the teacher's doubt instead of the default's, read from
the teacher-label cache that distillation leaves (``--uncertain-by runs/teacher_labels_X``):
no inference, so the selection costs only the sentence splitting of the snapshot (about 9
minutes of one core, against about 25 with a model scoring ~100k sentences); it covers only
the sentences that teacher labelled (the gold and the distillation pool). Round ``train-8``
(0.10) repeats it from the same cache, on the items ``train-7`` left.

``--top-up N --round validation-2`` (0.5) enlarges the validation split (2022) with random
items and items matching accusation, attack and politics keywords, so that choosing a
recipe on validation rests on more than 50 real attacks and allegations.

Usage:
    python scripts/sample_current_events.py --source SNAPSHOT --out /tmp/ann
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

from conflictnlp.data.current_events import (
    SPLIT_YEARS,
    BuildReport,
    item_sentences,
    iter_items,
    split_of_year,
)
from conflictnlp.data.pinned_source import normalise
from conflictnlp.labels import LABELS

TARGET = {"train": 4800, "validation": 920, "test": 2650}
RANDOM_SHARE = 0.4
THEMES = {
    # theme: (share of the content part, pattern)
    "accusation": (
        0.22,
        r"\b(accus\w*|alleg\w*|blam\w*|den(y|ies|ied)|responsib\w*|war crimes?|genocide|violat\w*)\b",
    ),
    "diplomacy": (
        0.24,
        r"\b(talks|summit|ceasefire|truce|peace|sanction\w*|ambassador\w*|diplomat\w*|treaty|"
        r"agreement|minister\w* meet|condemn\w*|security council|resolution|negotiat\w*)\b",
    ),
    "violence": (
        0.30,
        r"\b(kill\w*|dead|death toll|injur\w*|wound\w*|attack\w*|bomb\w*|shell\w*|air ?strikes?|"
        r"clash\w*|gunm[ae]n|militants?|rebels?|insurgents?|troops|missiles?|drones?|explo\w*|"
        r"shoot\w*|shot|rocket\w*|ambush\w*|raid\w*)\b",
    ),
    "politics_law": (
        0.24,
        r"\b(elect\w*|parliament\w*|vote\w*|court\w*|sentenc\w*|trial|convict\w*|arrest\w*|"
        r"charged|resign\w*|coalition|party|president|prime minister|protest\w*|"
        r"referendum|impeach\w*)\b",
    ),
}
CONTENT_CATEGORIES = re.compile(
    r"armed|attack|conflict|war|politic|election|law|crime|international relations|"
    r"insurgency|terror|protest|unrest",
    re.I,
)


def _dedupe(rows: list[dict]) -> list[dict]:
    """Drop exact (normalised, no punctuation) and near-duplicate sentences, keeping the first."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    seen: set[str] = set()
    kept = []
    for row in rows:
        key = re.sub(r"[\W\d_]+", " ", normalise(row["text"])).strip()
        if key and key not in seen:
            seen.add(key)
            kept.append(row)
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4)).fit_transform(
        [r["text"] for r in kept]
    )
    similarity = (matrix @ matrix.T).tocsr()
    dropped: set[int] = set()
    for i in range(len(kept)):
        if i in dropped:
            continue
        row = similarity.getrow(i)
        for j, value in zip(row.indices, row.data, strict=True):
            if j > i and value >= 0.85:
                dropped.add(j)
    return [r for i, r in enumerate(kept) if i not in dropped]


def _take(
    items: list[list[dict]], pool: list[int], budget: int, used: set[int], picked: list[list[dict]]
) -> None:
    """Add whole items from ``pool`` (in its order) until ``budget`` sentences are added."""
    count = 0
    for index in pool:
        if count >= budget:
            break
        if index in used:
            continue
        used.add(index)
        picked.append(items[index])
        count += len(items[index])


_ACCUSATION = r"\b(accus\w*|alleg\w*|blam\w*|den(y|ies|ied))\b"
_ATTACK = (
    r"\b(air ?strikes?|strikes?|attacks?|shell\w*|drones?|missiles?|raids?|clash\w*|bomb\w*)\b"
)
TOP_UP_ROUNDS = {
    # round: (split, {theme: (share of the top-up, pattern)})
    "test": ("test", {"accusation": (0.6, _ACCUSATION), "attack": (0.4, _ATTACK)}),
    "train": (
        "train",
        {
            "accusation": (0.4, _ACCUSATION),
            "diplomacy": (0.3, THEMES["diplomacy"][1]),
            "attack": (0.3, _ATTACK),
        },
    ),
    # the second training round adds politics and courts: the ordinary sentences that
    # look like conflict news and must stay `other`
    "train-2": (
        "train",
        {
            "accusation": (0.3, _ACCUSATION),
            "diplomacy": (0.25, THEMES["diplomacy"][1]),
            "attack": (0.25, _ATTACK),
            "politics_law": (0.2, THEMES["politics_law"][1]),
        },
    ),
    # the third (0.4), fourth (0.6) and fifth (0.7) are chosen by a model's uncertainty
    # (--uncertain-by), no keywords: each by the default that the round before taught
    "train-3": ("train", {}),
    "train-4": ("train", {}),
    "train-5": ("train", {}),
    # the sixth (0.9) is chosen by the 0.7 default's uncertainty about one label
    # (--focus allegation): the weakest label of both models on real validation
    "train-6": ("train", {}),
    # the seventh (0.10) by the cached labels of the teacher, accurate 0.6 (see _probabilities)
    "train-7": ("train", {}),
    # the eighth (0.10) by the same cache, on the items the seventh left
    "train-8": ("train", {}),
    # 0.5 enlarges the validation split (2022): 919 sentences with 49 attacks and 45
    # allegations could not tell recipes apart. An empty pattern matches every item, so
    # "natural" is a uniform random share; politics and law keep the look-alikes in.
    "validation-2": (
        "validation",
        {
            "natural": (0.3, r""),
            "accusation": (0.3, _ACCUSATION),
            "attack": (0.25, _ATTACK),
            "politics_law": (0.15, THEMES["politics_law"][1]),
        },
    ),
}


def _unsampled_items(source: str, split: str, sample: list[dict]) -> list[list[dict]]:
    """The items of ``split`` with no sentence in the sample yet, as sentence rows."""
    taken = {r["id"].rsplit("/", 1)[0] for r in sample}
    items = []
    for item in iter_items(source, report=BuildReport()):
        if split_of_year(int(item.date[:4])) != split or f"{item.date}/{item.index}" in taken:
            continue
        rows = [
            {"id": s.id, "text": s.text, "hash": s.hash, "category": s.category}
            for s in item_sentences(item)
        ]
        if rows:
            items.append(rows)
    return items


def _probabilities(texts: list[str], model: str) -> Any:
    """The model's probabilities for ``texts``; NaN rows where a teacher cache lacks one.

    ``model`` may be a teacher-label cache (the folder `conflictnlp label-pool` fills):
    its saved labels cost no inference, so a round can be chosen by the large teacher's
    doubt for free, but they cover only the sentences that teacher labelled (the gold
    and the distillation pool), so the others are scored as unknown.
    """
    if list(Path(model).glob("chunk-*.npz")):
        from conflictnlp.training.teacher_labels import cached_probabilities

        return cached_probabilities(model, texts)
    from conflictnlp import Classifier

    return Classifier.from_pretrained(model).predict_proba(texts, batch_size=64)


def _by_uncertainty(
    items: list[list[dict]], model: str, known: set[str], focus: str | None = None
) -> list[int]:
    """Item indices, least certain first: an item counts by its smallest top-two margin.

    With ``focus`` (a label), only sentences that have that label among the model's top two
    count, and items with no such sentence are left out: a round aimed at one weak label
    spends its annotation on the sentences that decide that label's boundary, instead of
    the model's overall doubt. Items holding a sentence already labeled elsewhere (stock
    phrases recur) are left out.
    """
    import numpy as np

    keep = [i for i, rows in enumerate(items) if not any(r["hash"] in known for r in rows)]
    texts = [r["text"] for i in keep for r in items[i]]
    probs = _probabilities(texts, model)
    order = np.argsort(probs, axis=1)
    top2 = np.take_along_axis(probs, order[:, -2:], axis=1)
    margins = np.nan_to_num(top2[:, 1] - top2[:, 0], nan=np.inf)
    if focus is not None:
        in_top2 = (order[:, -2:] == LABELS.index(focus)).any(axis=1)
        margins = np.where(in_top2, margins, np.inf)
    scores, start = [], 0
    for i in keep:
        scores.append(float(margins[start : start + len(items[i])].min()))
        start += len(items[i])
    ranked = np.argsort(scores, kind="stable")
    return [keep[j] for j in ranked if np.isfinite(scores[j])]


def top_up(
    source: str,
    out: Path,
    size: int,
    seed: int,
    round_name: str,
    chunk: int,
    uncertain_by: str | None = None,
    focus: str | None = None,
) -> None:
    """Add ``size`` sentences of a round's split as new batches: keyword-matched items, or
    with ``uncertain_by`` the items that model is least sure of (about ``focus``, if given)."""
    split, themes = TOP_UP_ROUNDS[round_name]
    rng = random.Random(seed + 1 if round_name == "test" else f"{seed}-{round_name}-top-up")
    sample = [json.loads(line) for line in (out / "sample.jsonl").open(encoding="utf-8")]
    items = _unsampled_items(source, split, sample)
    rng.shuffle(items)
    picked: list[list[dict]] = []
    used: set[int] = set()
    if uncertain_by:
        known = {r["hash"] for r in sample}
        _take(items, _by_uncertainty(items, uncertain_by, known, focus), size, used, picked)
    for share, pattern in themes.values():
        regex = re.compile(pattern, re.I)
        pool = [
            i for i, rows in enumerate(items) if regex.search(" ".join(r["text"] for r in rows))
        ]
        _take(items, pool, int(size * share), used, picked)
    # The test top-up was de-duplicated within its split; later top-ups must also repeat
    # no sentence of another split, so they are checked against the whole sample.
    earlier = [r for r in sample if split != "test" or r["split"] == split]
    new = _dedupe(earlier + [r for it in picked for r in it])
    known = {r["id"] for r in sample}
    added = [{**r, "split": split} for r in new if r["id"] not in known]
    with (out / "sample.jsonl").open("a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in added)
    by_item: dict[str, list[dict]] = {}
    for r in added:
        by_item.setdefault(r["id"].rsplit("/", 1)[0], []).append(r)
    number = len(list(out.glob("batch_*.tsv")))
    written = _write_batches(out, list(by_item.values()), chunk, number + 1)
    print(f"top-up: {len(added)} {split} sentences in {', '.join(written)}")


def _write_batches(out: Path, items: list[list[dict]], chunk: int, first: int) -> list[str]:
    """Write items whole, in order, into batch files of about ``chunk`` sentences each."""
    names: list[str] = []
    batch: list[str] = []
    count = 0
    for rows in items:
        batch.append(f"# item {rows[0]['id'].rsplit('/', 1)[0]}")
        batch.extend(f"{r['id']}\t{r['text']}" for r in rows)
        count += len(rows)
        if count >= chunk or rows is items[-1]:
            name = f"batch_{first + len(names):02d}.tsv"
            (out / name).write_text("\n".join(batch) + "\n", encoding="utf-8")
            names.append(name)
            batch, count = [], 0
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="snapshot root folder")
    parser.add_argument("--out", required=True, help="work folder for the annotation batches")
    parser.add_argument("--chunk", type=int, default=1050, help="sentences per annotation batch")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--top-up", type=int, metavar="N", help="add N sentences (see above)")
    parser.add_argument("--round", default="test", choices=sorted(TOP_UP_ROUNDS))
    parser.add_argument(
        "--uncertain-by",
        metavar="MODEL",
        help="choose the top-up by this model's uncertainty (a model, or a teacher-label "
        "cache folder written by `conflictnlp label-pool`)",
    )
    parser.add_argument(
        "--focus",
        choices=LABELS,
        help="with --uncertain-by: count only the model's doubt about this label",
    )
    args = parser.parse_args()
    if args.focus and not args.uncertain_by:
        parser.error("--focus LABEL needs --uncertain-by MODEL")
    if args.top_up:
        by_model = not TOP_UP_ROUNDS[args.round][1]
        if by_model != bool(args.uncertain_by):
            rounds = ", ".join(r for r, (_, themes) in TOP_UP_ROUNDS.items() if not themes)
            parser.error(f"--uncertain-by MODEL goes with the rounds chosen by a model: {rounds}")
        top_up(
            args.source,
            Path(args.out),
            args.top_up,
            args.seed,
            args.round,
            args.chunk,
            args.uncertain_by,
            args.focus,
        )
        return
    rng = random.Random(args.seed)

    items_by_split: dict[str, list[list[dict]]] = {s: [] for s in SPLIT_YEARS}
    for item in iter_items(args.source, report=BuildReport()):
        sentences = item_sentences(item)
        if not sentences:
            continue
        rows = [
            {"id": s.id, "text": s.text, "hash": s.hash, "category": s.category} for s in sentences
        ]
        items_by_split[split_of_year(int(item.date[:4]))].append(rows)

    chosen: dict[str, list[dict]] = {}
    for split, items in items_by_split.items():
        rng.shuffle(items)
        picked: list[list[dict]] = []
        used: set[int] = set()
        target = TARGET[split]
        _take(items, list(range(len(items))), int(target * RANDOM_SHARE), used, picked)
        for share, pattern in THEMES.values():
            regex = re.compile(pattern, re.I)
            pool = [
                i
                for i, rows in enumerate(items)
                if CONTENT_CATEGORIES.search(rows[0]["category"])
                or rows[0]["category"] == "Uncategorized"
                if regex.search(" ".join(r["text"] for r in rows))
            ]
            _take(items, pool, int(target * (1 - RANDOM_SHARE) * share), used, picked)
        rows = [r for item in picked for r in item]
        chosen[split] = _dedupe(rows)
        print(split, len(rows), "->", len(chosen[split]), "after de-duplication")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sample.jsonl").write_text(
        "".join(json.dumps({**r, "split": s}) + "\n" for s, rows in chosen.items() for r in rows),
        encoding="utf-8",
    )
    # Annotation batches mix splits and years, items kept whole and in order.
    by_item: dict[str, list[dict]] = {}
    for rows in chosen.values():
        for r in rows:
            by_item.setdefault(r["id"].rsplit("/", 1)[0], []).append(r)
    item_keys = list(by_item)
    rng.shuffle(item_keys)
    number = len(_write_batches(out, [by_item[key] for key in item_keys], args.chunk, 1))
    years = Counter(r["id"][:4] for rows in chosen.values() for r in rows)
    print("batches:", number, "years:", dict(sorted(years.items())))


if __name__ == "__main__":
    main()
