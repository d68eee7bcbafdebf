"""The command line loses nothing: atomic output, every field, odd encodings, Ctrl-C, stdin.

Each test is a case from issue 13 (a hostile-input probe) that lost data or crashed.
"""

from __future__ import annotations

import csv
import io
import json
import sys

import pytest

from conflictnlp.cli import main
from conflictnlp.labels import LABELS


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or ".tmp." in p.name)


def test_same_input_and_output_is_refused(capsys, tiny_model_dir, tmp_path):
    src = jsonl(tmp_path / "x.jsonl", [{"text": "Talks resumed."}])
    before = src.read_bytes()
    code, _, err = run(
        capsys, "classify", "--input", src, "--output", src, "--model", tiny_model_dir
    )
    assert code == 2 and "is the input file itself" in err
    assert src.read_bytes() == before


def test_missing_input_leaves_existing_output_intact(capsys, tiny_model_dir, tmp_path):
    out = tmp_path / "labeled.jsonl"
    out.write_text('{"precious": true}\n')
    code, _, err = run(
        capsys,
        "classify",
        "--input",
        tmp_path / "typo.jsonl",
        "--output",
        out,
        "--model",
        tiny_model_dir,
    )
    assert code == 2 and "no such file" in err
    assert out.read_text() == '{"precious": true}\n' and not leftovers(tmp_path)


def test_non_utf8_fails_with_file_and_line_and_writes_nothing(capsys, tiny_model_dir, tmp_path):
    src = tmp_path / "latin1.txt"
    src.write_bytes("Talks resumed.\nShelling went on.\nThe caf\xe9 was hit.\n".encode("latin-1"))
    out = tmp_path / "labeled.jsonl"
    out.write_text("old\n")
    code, _, err = run(
        capsys, "classify", "--input", src, "--output", out, "--model", tiny_model_dir
    )
    assert code == 2
    assert f"{src}, line 3: not UTF-8 text (byte 0xe9)" in err
    assert out.read_text() == "old\n" and not leftovers(tmp_path)


def test_non_utf8_line_is_exact_past_the_first_chunk(tmp_path):
    from conflictnlp.records import read_rows

    src = tmp_path / "big.jsonl"
    good = json.dumps({"text": "x" * 100}) + "\n"
    src.write_bytes(good.encode() * 500 + b'{"text": "\xff"}\n')
    with pytest.raises(ValueError, match=r"big\.jsonl, line 501: not UTF-8"):
        list(read_rows(src))


def test_success_replaces_output_and_leaves_no_temporary(capsys, tiny_model_dir, tmp_path):
    src = jsonl(tmp_path / "in.jsonl", [{"text": "Talks resumed."}])
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    code, _, _ = run(capsys, "classify", "--input", src, "--output", out, "--model", tiny_model_dir)
    assert code == 0 and json.loads(out.read_text())["label"] in LABELS
    assert not leftovers(tmp_path)


def test_csv_output_keeps_the_union_of_fields(capsys, tiny_model_dir, tmp_path):
    src = jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": 1, "text": "Talks resumed."},
            {"id": 2, "text": "Shelling went on.", "source": "wire"},
            {"id": 3},
        ],
    )
    out = tmp_path / "out.csv"
    code, _, _ = run(capsys, "classify", "--input", src, "--output", out, "--model", tiny_model_dir)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert code == 0 and len(rows) == 3
    assert rows[1]["source"] == "wire" and rows[0]["source"] == ""
    assert rows[2]["line"] == "3" and "missing field" in rows[2]["error"]
    assert list(rows[0])[-len(["label", "score", "scores", "error", "line"]) :] == [
        "label",
        "score",
        "scores",
        "error",
        "line",
    ]
    assert set(json.loads(rows[0]["scores"])) == set(LABELS)


def test_input_fields_named_like_outputs_are_kept(capsys, tiny_model_dir, tmp_path):
    src = jsonl(
        tmp_path / "in.jsonl",
        [
            {"text": "Talks resumed.", "label": "gold-A", "score": 7, "error": "none"},
            {"label": "gold-B", "line": "L"},
        ],
    )
    out = tmp_path / "out.jsonl"
    code, _, err = run(
        capsys, "classify", "--input", src, "--output", out, "--model", tiny_model_dir
    )
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert code == 0
    assert first["input_label"] == "gold-A" and first["label"] in LABELS
    assert first["input_score"] == 7 and first["input_error"] == "none" and "error" not in first
    assert second["input_label"] == "gold-B" and second["input_line"] == "L"
    assert second["line"] == 2 and "missing" in second["error"]
    assert "label as input_label" in err


def test_csv_with_byte_order_mark(capsys, tiny_model_dir, tmp_path):
    src = tmp_path / "bom.csv"
    src.write_bytes("text,id\nTalks resumed.,1\nShelling went on.,2\n".encode("utf-8-sig"))
    out = tmp_path / "out.jsonl"
    code, _, err = run(
        capsys, "classify", "--input", src, "--output", out, "--model", tiny_model_dir
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert code == 0 and all("label" in r and "error" not in r for r in rows)
    assert rows[0]["text"] == "Talks resumed." and "could not be classified" not in err


def test_long_csv_field_is_read_and_later_lines_are_right(capsys, tiny_model_dir, tmp_path):
    src = tmp_path / "long.csv"
    long_text = "Shelling went on. " * 10_000  # 180,000 characters, over csv's default limit
    src.write_text(f'id,text\n1,"{long_text}"\n2,"two\nlines"\n3,a,b\n4,ok\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with pytest.warns(UserWarning, match="truncated"):
        code, _, _ = run(
            capsys, "classify", "--input", src, "--output", out, "--model", tiny_model_dir
        )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert code == 0 and [r.get("id") for r in rows] == ["1", "2", None, "4"]
    assert rows[0]["label"] in LABELS and len(rows[0]["text"]) == len(long_text)
    assert rows[2]["line"] == 5 and "expected 2 columns, got 3" in rows[2]["error"]


def test_ctrl_c_prints_one_line_and_keeps_whole_rows(capsys, tiny_model_dir, tmp_path, monkeypatch):
    import conflictnlp.inference.files as files
    from conflictnlp.inference.classifier import Classifier

    src = tmp_path / "in.txt"
    src.write_text("".join(f"Sentence {i} about a clash.\n" for i in range(10)))
    out = tmp_path / "out.jsonl"
    original_iter, original_predict = files.iter_classified, Classifier.predict
    monkeypatch.setattr(
        files, "iter_classified", lambda *a, **k: original_iter(*a, **{**k, "chunk_size": 4})
    )
    calls = []

    def interrupted_predict(self, texts, batch_size=32):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original_predict(self, texts, batch_size)

    monkeypatch.setattr(Classifier, "predict", interrupted_predict)
    code, _, err = run(
        capsys, "classify", "--input", src, "--output", out, "--model", tiny_model_dir
    )
    assert code == 130
    assert err.strip().splitlines()[-1].startswith("conflictnlp classify: interrupted.")
    assert f"wrote 4 rows to {out}" in err and "Traceback" not in err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["text"] for r in rows] == [f"Sentence {i} about a clash." for i in range(4)]
    assert not leftovers(tmp_path)


def test_partial_last_line_is_dropped(tmp_path):
    from conflictnlp.records import RowWriter

    out = tmp_path / "o.jsonl"
    with RowWriter(out) as writer:
        writer.write({"a": 1})
        writer._handle.write('{"half')  # what a write cut short by a signal leaves
        writer.commit()
    assert out.read_text() == '{"a": 1}\n'


def test_ctrl_c_during_training_says_resume_works(capsys, monkeypatch, tmp_path):
    import conflictnlp.training.trainer as training

    checkpoint = tmp_path / "checkpoints" / "checkpoint-12"
    checkpoint.mkdir(parents=True)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt(training._interrupted_note(tmp_path / "checkpoints"))

    monkeypatch.setattr(training, "train", interrupted)
    code, _, err = run(capsys, "train", "--config", "configs/smoke.yaml")
    assert code == 130 and "Traceback" not in err
    assert "checkpoint-12" in err and "--resume" in err
    assert "before its first checkpoint" in training._interrupted_note(tmp_path / "none")


def test_table_output_with_a_number_as_text(capsys, tiny_model_dir, tmp_path):
    src = jsonl(tmp_path / "in.jsonl", [{"text": 17}, {"text": "Talks resumed."}])
    code, out, _ = run(capsys, "classify", "--input", src, "--model", tiny_model_dir)
    assert code == 0 and "17 [error: field 'text' is int, not text]" in out
    assert "Talks resumed." in out


def fake_stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_stdin_to_stdout_csv(capsys, tiny_model_dir, monkeypatch):
    fake_stdin(monkeypatch, b"id,text\n1,Talks resumed.\n2,Shelling went on.\n")
    code, out, err = run(
        capsys,
        "classify",
        "--input",
        "-",
        "--output",
        "-",
        "--format",
        "csv",
        "--model",
        tiny_model_dir,
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["id"] for r in rows] == ["1", "2"]
    assert all(r["label"] in LABELS for r in rows) and "standard output" in err


def test_stdin_jsonl_to_stdout(capsys, tiny_model_dir, monkeypatch):
    fake_stdin(monkeypatch, b'{"text": "Talks resumed."}\n')
    code, out, _ = run(
        capsys, "classify", "--input", "-", "--format", "jsonl", "--output", "-", "--model",
        tiny_model_dir,
    )  # fmt: skip
    assert code == 0 and json.loads(out)["label"] in LABELS


def test_dash_as_text_reads_sentences_from_stdin(capsys, tiny_model_dir, monkeypatch):
    fake_stdin(monkeypatch, b"Talks resumed.\nShelling went on.\n")
    code, out, _ = run(capsys, "classify", "-", "--model", tiny_model_dir)
    assert code == 0 and "Talks resumed." in out and "Shelling went on." in out
    assert "'-'" not in out


def test_stdin_needs_a_format_and_names_bad_lines(capsys, tiny_model_dir, monkeypatch):
    fake_stdin(monkeypatch, b"{}\n")
    code, _, err = run(capsys, "classify", "--input", "-", "--model", tiny_model_dir)
    assert code == 2 and "--format" in err
    fake_stdin(monkeypatch, b"ok\n\xff\n")
    code, _, err = run(capsys, "classify", "-", "--model", tiny_model_dir)
    assert code == 2 and "standard input, line 2: not UTF-8" in err


def test_a_file_name_given_as_text_is_refused_with_the_flag_to_use(
    capsys, tiny_model_dir, tmp_path
):
    article = tmp_path / "article.txt"
    article.write_text("Shelling hit the port overnight.\n", encoding="utf-8")
    code, out, err = run(capsys, "classify", article, "--model", tiny_model_dir)
    assert code == 2 and out == ""
    assert f"use --input {article}" in err
    # a sentence that is not a file name is classified as before
    code, out, _ = run(capsys, "classify", "article.txt was mentioned", "--model", tiny_model_dir)
    assert code == 0 and out.count("\t") == 1
