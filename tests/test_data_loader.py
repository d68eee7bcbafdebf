"""Loading users' labeled files: what is accepted and how bad rows are reported."""

from __future__ import annotations

import json

import pytest

from conflictnlp.data import DataError, load_dataset
from conflictnlp.labels import LABELS


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_jsonl_with_names_and_ids(tmp_path):
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [
            {"id": "a", "text": "Rebels shelled the airport.", "label": "attack", "source": "x"},
            {"text": "Talks resumed.", "label": 2},
        ],
    )
    ds = load_dataset(path)
    assert ds.features["label"].names == list(LABELS)
    assert ds["label"] == [0, 2]
    assert ds["id"] == ["a", "line-2"]
    assert ds["source"] == ["x", None]  # extra fields are kept


def test_csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        'id,text,label\n1,"Shelling, then silence.",attack\n2,Talks resumed.,diplomatic_move\n'
    )
    ds = load_dataset(path)
    assert ds["text"][0] == "Shelling, then silence." and ds["label"] == [0, 2]


def test_folder_with_splits(tiny_data_dir):
    ds = load_dataset(tiny_data_dir)
    assert set(ds) == {"train", "validation", "test"}
    assert len(load_dataset(tiny_data_dir, split="test")) == 25


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        (
            [{"text": "x", "label": "attacks"}],
            r"line 1: unknown label 'attacks'; use one of attack",
        ),
        ([{"text": "", "label": "attack"}], r"line 1: the 'text' field is empty"),
        ([{"label": "attack"}], r"line 1: the 'text' field is missing"),
        ([{"text": 5, "label": "attack"}], r"line 1: the 'text' field is not text"),
        ([{"text": "ok", "label": 0}, "{not json"], r"line 2: not valid JSON"),
        ([{"text": "ok", "label": 0}, "[1, 2]"], r"line 2: expected a JSON object"),
        (
            [{"id": 1, "text": "a", "label": 0}, {"id": 1, "text": "b", "label": 0}],
            r"line 2: duplicate id '1' \(first on line 1\)",
        ),
        ([{"text": "ok", "label": 7}], r"unknown label 7"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, rows, match):
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DataError, match=match) as info:
        load_dataset(path)
    assert "bad.jsonl" in str(info.value)


def test_many_problems_are_listed_then_counted(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [{"text": "x", "label": "nope"}] * 25)
    with pytest.raises(DataError, match=r"(?s)25 bad row\(s\).*and 15 more"):
        load_dataset(path)


def test_csv_with_wrong_column_count(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\nfine,attack\ntoo,many,columns\n")
    with pytest.raises(DataError, match=r"d\.csv, line 3: expected 2 columns"):
        load_dataset(path)


def test_unsupported_and_missing(tmp_path):
    with pytest.raises(ValueError, match=r"unsupported file type '\.xlsx'"):
        load_dataset(tmp_path / "d.xlsx")
    with pytest.raises(FileNotFoundError):
        load_dataset(tmp_path / "none.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(DataError, match="no labeled rows"):
        load_dataset(empty)
    with pytest.raises(ValueError, match="Unknown split"):
        load_dataset(split="dev")
