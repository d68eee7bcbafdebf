"""The annotation work-folder scripts: a folder rebuilt from the shipped labels and the
snapshot must assemble back into the same label files, or a new round would silently
rewrite the old ones."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

from conflictnlp.data import current_events as ce

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_rebuilt_work_folder_assembles_into_the_same_label_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = tmp_path / "labels"
    shutil.copytree(FIXTURES / "current_events_labels", labels)
    assemble = _script("assemble_current_events")
    monkeypatch.setattr(ce, "labels_dir", lambda: labels)
    monkeypatch.setattr(assemble, "labels_dir", lambda: labels)
    monkeypatch.setattr(assemble, "_countries", lambda texts: Counter())  # needs pycountry
    work = tmp_path / "work"

    count = assemble.rebuild_work(FIXTURES / "current_events", work)

    before = {p.name: p.read_bytes() for p in labels.glob("*.tsv")}
    assert count == sum(len(rows) for rows in ce.read_labels(labels).values())
    assert (work / "adjudication" / "shipped.tsv").read_text(encoding="utf-8").strip()
    summary = tmp_path / "summary.json"
    monkeypatch.setattr(sys, "argv", ["assemble", "--work", str(work), "--summary", str(summary)])
    assemble.main()
    assert {p.name: p.read_bytes() for p in labels.glob("*.tsv")} == before
    assert summary.is_file()


def test_rebuilding_from_another_snapshot_fails_by_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(FIXTURES / "current_events", snapshot)
    day = next(snapshot.rglob("2021-*.yaml"))
    day.unlink()
    assemble = _script("assemble_current_events")
    monkeypatch.setattr(ce, "labels_dir", lambda: FIXTURES / "current_events_labels")
    with pytest.raises(ValueError, match=r"shipped labels not in .*2021-"):
        assemble.rebuild_work(snapshot, tmp_path / "work")


def test_uncertainty_sampling_takes_the_least_certain_items_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    import conflictnlp

    sample = _script("sample_current_events")
    # margins between the two top labels: 0.8, 0.1, 0.5 and 0.0
    probs = {
        "calm": [0.9, 0.1, 0, 0, 0],
        "torn": [0.5, 0.4, 0.1, 0, 0],
        "fair": [0.7, 0.2, 0.1, 0, 0],
        "known": [0.5, 0.5, 0, 0, 0],
    }

    class Stub:
        def predict_proba(self, texts, batch_size=32):
            return np.array([probs[t] for t in texts])

    monkeypatch.setattr(conflictnlp.Classifier, "from_pretrained", lambda model: Stub())
    rows = lambda *texts: [{"text": t, "hash": f"h-{t}"} for t in texts]  # noqa: E731
    items = [rows("calm"), rows("fair"), rows("calm", "calm", "torn"), rows("known", "torn")]
    # an item counts by its least certain sentence; one with a labeled sentence is skipped
    assert sample._by_uncertainty(items, "stub", known={"h-known"}) == [2, 1, 0]


def test_a_validation_top_up_adds_only_new_validation_sentences(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(FIXTURES / "current_events", snapshot)
    (snapshot / "2022" / "08").mkdir()
    (snapshot / "2022" / "08" / "2022-08-02.yaml").write_text(
        "Date: '2022-08-02'\n"
        "Source_URI: Portal:Current events/2022 August 2\n"
        "Intelligence_Payload:\n"
        "  Uncategorized:\n"
        "  - Rebels accuse the army of shelling a market in Velmor. (Wire One)\n"
        # a stock sentence already labeled in a training year: must not enter validation
        "  - The parliament of Ostrava elects Dana Kel as speaker after a third round of\n"
        "    voting. (Daily Ledger)\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(ce, "labels_dir", lambda: FIXTURES / "current_events_labels")
    work = tmp_path / "work"
    _script("assemble_current_events").rebuild_work(snapshot, work)
    before = (work / "sample.jsonl").read_text(encoding="utf-8")
    sample = _script("sample_current_events")

    sample.top_up(str(snapshot), work, 10, 13, "validation-2", chunk=5)

    added = (work / "sample.jsonl").read_text(encoding="utf-8")[len(before) :]
    rows = [json.loads(line) for line in added.splitlines()]
    assert [(r["id"], r["split"]) for r in rows] == [("2022-08-02/0/0", "validation")]
    batches = sorted(work.glob("batch_*.tsv"))
    assert [p.name for p in batches] == ["batch_01.tsv"]
    assert "2022-08-02/0/0\tRebels accuse the army" in batches[0].read_text(encoding="utf-8")
