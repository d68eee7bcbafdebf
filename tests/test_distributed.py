"""The Ray engine: ``classify_dataset`` and ``classify --engine ray`` on a local Ray.

One Ray session (2 CPUs) serves the whole module; every test uses the tiny model.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conflictnlp.cli import main
from conflictnlp.labels import LABELS

ray = pytest.importorskip("ray")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pacsv = pytest.importorskip("pyarrow.csv")

ARTICLE = "Drones hit the depot. Six people died.\n\nTalks resumed in Geneva."


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING")
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield ray
    ray.shutdown()


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_importing_does_not_import_ray():
    code = "import sys, conflictnlp, conflictnlp.distributed; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_ray_one_message_names_the_extra(capsys, tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail
    import conflictnlp.distributed as distributed

    monkeypatch.delitem(vars(distributed), "classify_dataset", raising=False)
    with pytest.raises(ImportError, match=r'pip install "conflictnlp\[ray\]"'):
        distributed.classify_dataset  # noqa: B018
    code, _, err = run(
        capsys, "classify", "--engine", "ray", "--input", tmp_path, "--output", tmp_path / "o"
    )
    assert code == 2 and 'pip install "conflictnlp[ray]"' in err


def test_columns_kept_every_row_once_bad_rows_marked(local_ray, tiny_model_dir):
    from conflictnlp.distributed import classify_dataset

    texts = ["Rebels shelled the airport.", "", "   ", None, "Talks resumed in Doha."] * 60
    items = [{"id": i, "text": t, "label": f"s{i % 3}"} for i, t in enumerate(texts)]
    ds = local_ray.data.from_items(items, override_num_blocks=4)
    rows = classify_dataset(ds, model=tiny_model_dir).take_all()
    assert sorted(r["id"] for r in rows) == list(range(len(items)))
    by_id = {r["id"]: r for r in rows}
    for item in items:
        row = by_id[item["id"]]
        assert row["input_label"] == item["label"] and row["text"] == item["text"]
        if item["text"] and item["text"].strip():
            assert row["error"] is None and row["label"] in LABELS
            assert list(row["scores"]) == list(LABELS)
            assert row["score"] == max(row["scores"].values())
        else:
            assert row["label"] is None and row["scores"] is None
            assert ("missing" if item["text"] is None else "empty") in row["error"]


def test_non_string_text_and_missing_column_are_errors(local_ray, tiny_model_dir):
    from conflictnlp.distributed import classify_dataset

    numbers = local_ray.data.from_items([{"id": i, "text": i} for i in range(5)])
    rows = classify_dataset(numbers, model=tiny_model_dir, concurrency=1).take_all()
    assert len(rows) == 5 and all("is int, not text" in r["error"] for r in rows)
    other = local_ray.data.from_items([{"id": 1, "body": "Talks resumed."}])
    rows = classify_dataset(other, model=tiny_model_dir, concurrency=1).take_all()
    assert rows[0]["body"] == "Talks resumed." and "missing field 'text'" in rows[0]["error"]


def test_document_mode_offsets(local_ray, tiny_model_dir):
    from conflictnlp.distributed import classify_dataset

    items = [{"id": "art-1", "text": ARTICLE}, {"id": "x", "text": ""}]
    ds = local_ray.data.from_items(items)
    rows = classify_dataset(ds, document=True, model=tiny_model_dir, concurrency=1).take_all()
    good = sorted((r for r in rows if r["row_id"] == "art-1"), key=lambda r: r["sentence_index"])
    assert [r["sentence_index"] for r in good] == [0, 1, 2]
    assert all(ARTICLE[r["start"] : r["end"]] == r["text"] for r in good)
    assert all(r["label"] in LABELS and r["error"] is None for r in good)
    (bad,) = [r for r in rows if r["row_id"] == "x"]
    assert "empty" in bad["error"] and bad["sentence_index"] is None


def test_document_mode_needs_an_id(local_ray, tiny_model_dir):
    from conflictnlp.distributed import classify_dataset

    ds = local_ray.data.from_items([{"text": ARTICLE}])
    with pytest.raises(ValueError, match="needs an 'id' column"):
        classify_dataset(ds, document=True, model=tiny_model_dir)


def test_cli_ray_equals_one_process_cli(capsys, local_ray, tiny_model_dir, tmp_path):
    texts = ["Rebels shelled the airport.", "Six people died.", "", "Talks resumed in Doha."]
    shards = tmp_path / "in"
    shards.mkdir()
    for shard in range(3):
        lines = [json.dumps({"id": f"{shard}-{i}", "text": t}) for i, t in enumerate(texts * 5)]
        (shards / f"part-{shard}.jsonl").write_text("\n".join(lines) + "\n")
    one = tmp_path / "one.jsonl"
    whole = tmp_path / "all.jsonl"
    whole.write_text("".join(p.read_text() for p in sorted(shards.iterdir())))
    assert (
        run(capsys, "classify", "--input", whole, "--output", one, "--model", tiny_model_dir)[0]
        == 0
    )
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "classify", "--engine", "ray", "--input", shards, "--output", out,
        "--model", tiny_model_dir,
    )  # fmt: skip
    assert code == 0, err
    expected = {r["id"]: r for r in map(json.loads, one.read_text().splitlines())}
    got = [json.loads(line) for f in sorted(out.iterdir()) for line in f.read_text().splitlines()]
    assert sorted(r["id"] for r in got) == sorted(expected)
    for row in got:
        want = expected[row["id"]]
        assert row.get("label") == want.get("label") and row.get("scores") == want.get("scores")
        assert (row["error"] is None) == ("error" not in want)
    assert "wrote 60 rows" in err and "15 rows carry an 'error'" in err


def test_cli_ray_parquet_and_csv_shards(capsys, local_ray, tiny_model_dir, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    table = pa.table({"doc": [1, 2, 3], "sentence": ["Shelling, then silence.", "", "12"]})
    pq.write_table(table, src / "a.parquet")
    (src / "b").mkdir()
    (src / "b" / "a.csv").write_text('doc,sentence\n1,"Shelling, then silence."\n2,\n3,12\n')
    for pattern, read in [
        (src / "*.parquet", lambda d: pa.concat_tables(pq.read_table(f) for f in d.iterdir())),
        (src / "b", lambda d: pa.concat_tables(pacsv.read_csv(f) for f in d.iterdir())),
    ]:
        out = tmp_path / f"out-{read.__code__.co_firstlineno}-{pattern.name}"
        code, _, err = run(
            capsys, "classify", "--engine", "ray", "--input", pattern, "--output", out,
            "--text-field", "sentence", "--model", tiny_model_dir,
        )  # fmt: skip
        assert code == 0, err
        rows = sorted(read(out).to_pylist(), key=lambda r: r["doc"])
        assert [r["doc"] for r in rows] == [1, 2, 3]
        assert rows[0]["label"] in LABELS and rows[2]["label"] in LABELS  # "12" is text
        assert "empty" in rows[1]["error"] and "1 rows carry an 'error'" in err


def test_cli_ray_refuses_non_empty_output(capsys, tiny_model_dir, tmp_path):
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"text": "Talks resumed."}) + "\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.jsonl").write_text("")
    code, _, err = run(capsys, "classify", "--engine", "ray", "--input", src, "--output", out)
    assert code == 2 and "not empty" in err
    code, _, err = run(capsys, "classify", "--engine", "ray", "--input", tmp_path / "none*")
    assert code == 2 and "--output" in err
