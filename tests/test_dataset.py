"""Guards on the shipped dataset: size, balance, variety, articles and split hygiene."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from conflictnlp.data import SHIPPED_FIELDS, SPLITS, load_dataset, shipped_data_dir
from conflictnlp.data.hygiene import NEAR_COPY_JACCARD, TrigramIndex, duplicate_key
from conflictnlp.data.labeled import STYLES
from conflictnlp.labels import LABELS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict]]:
    return {
        split: [json.loads(line) for line in (shipped_data_dir() / f"{split}.jsonl").open()]
        for split in SPLITS
    }


@pytest.fixture(scope="module")
def everything(rows) -> list[dict]:
    return [r for split in SPLITS for r in rows[split]]


def test_loads_as_datasetdict():
    ds = load_dataset()
    assert set(ds) == set(SPLITS)
    assert ds["train"].features["label"].names == list(LABELS)


def test_fields_and_ids(everything):
    for r in everything:
        assert set(r) == set(SHIPPED_FIELDS), r["id"]
        assert r["style"] in STYLES, (r["id"], r["style"])
        assert isinstance(r["hard"], bool)
    ids = [r["id"] for r in everything]
    assert len(ids) == len(set(ids))


def test_size_and_balance(rows, everything):
    assert len(everything) >= 2000
    per_label = Counter(r["label"] for r in everything)
    assert set(per_label) == set(LABELS)
    assert min(per_label.values()) >= 400, per_label
    assert len(rows["validation"]) >= 250
    test_labels = Counter(r["label"] for r in rows["test"])
    assert min(test_labels[label] for label in LABELS) >= 100, test_labels


def test_settings(rows, everything):
    settings = {r["setting"] for r in everything}
    assert len(settings) >= 25
    for split, split_rows in rows.items():
        counts = Counter(r["setting"] for r in split_rows)
        top, n = counts.most_common(1)[0]
        assert n / len(split_rows) <= 0.08, (split, top, n)
    seen_before_test = {r["setting"] for s in ("train", "validation") for r in rows[s]}
    only_in_test = {r["setting"] for r in rows["test"]} - seen_before_test
    assert len(only_in_test) >= 3, only_in_test


def test_articles(rows, everything):
    articles: dict[str, list[dict]] = defaultdict(list)
    split_of: dict[str, set[str]] = defaultdict(set)
    for split, split_rows in rows.items():
        for r in split_rows:
            if r["article_id"]:
                articles[r["article_id"]].append(r)
                split_of[r["article_id"]].add(split)
            else:
                assert r["position"] is None, r["id"]
    assert len(articles) >= 60
    assert all(len(s) == 1 for s in split_of.values()), "an article spans two splits"
    for article_id, members in articles.items():
        assert 8 <= len(members) <= 25, article_id
        assert sorted(r["position"] for r in members) == list(range(len(members))), article_id
        assert len({r["setting"] for r in members}) == 1, article_id
    in_articles = sum(len(m) for m in articles.values())
    assert in_articles / len(everything) >= 0.40


def test_variety(everything):
    words = [len(r["text"].split()) for r in everything]
    assert min(words) >= 4 and max(words) <= 60
    assert sum(r["hard"] for r in everything) / len(everything) >= 0.20
    styles = Counter(r["style"] for r in everything)
    assert len(styles) >= 8 and styles["headline"] >= 40
    texts = [r["text"] for r in everything]
    assert sum(bool(re.search(r"\d", t)) for t in texts) >= 300  # numbers as digits
    assert (
        sum(bool(re.search(r"\b(dozens|scores|several|hundreds)\b", t, re.I)) for t in texts) >= 40
    )
    assert sum('"' in t or "“" in t for t in texts) >= 100  # direct quotes
    hedges = r"\b(reportedly|according to|allegedly|unconfirmed|could not be (independently )?verified)\b"
    assert sum(bool(re.search(hedges, t, re.I)) for t in texts) >= 100


def test_no_near_copies_across_splits(rows):
    index = TrigramIndex(r["text"] for r in rows["train"])
    for split in ("validation", "test"):
        for r in rows[split]:
            nearest, jaccard = index.nearest(r["text"])
            assert jaccard < NEAR_COPY_JACCARD, (split, r["text"], rows["train"][nearest]["text"])
    train_texts = {r["text"].strip().lower() for r in rows["train"]}
    assert not [
        r
        for s in ("validation", "test")
        for r in rows[s]
        if r["text"].strip().lower() in train_texts
    ]


def test_second_annotation_and_kappa(rows):
    from sklearn.metrics import cohen_kappa_score

    path = ROOT / "data" / "annotation" / "test_second_annotation.jsonl"
    second = [json.loads(line) for line in path.open()]
    assert len(second) >= 300
    gold = {r["id"]: r for r in rows["test"]}
    assert all(a["id"] in gold for a in second)
    kappa = cohen_kappa_score(
        [a["first_label"] for a in second], [a["second_label"] for a in second]
    )
    assert kappa > 0.6
    datacard = (ROOT / "docs" / "datacard.md").read_text()
    assert f"{kappa:.2f}" in datacard, "docs/datacard.md must report the kappa of this file"


def test_no_exact_duplicates_after_lowercasing_and_stripping_punctuation(everything):
    seen: dict[str, str] = {}
    for r in everything:
        key = duplicate_key(r["text"])
        assert key not in seen, (r["id"], seen.get(key))
        seen[key] = r["id"]
