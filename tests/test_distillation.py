"""Distillation: the loss, the resumable teacher labeling job, and a tiny end-to-end run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from conflictnlp import Classifier, train
from conflictnlp.training.config import ConfigError, parse_config
from conflictnlp.training.distillation import NO_LABEL, distillation_loss
from conflictnlp.training.teacher_labels import read_cache, teacher_log_probs


def test_loss_is_cross_entropy_when_alpha_is_zero():
    logits = torch.tensor([[2.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0]])
    teacher = torch.randn(2, 5)
    labels = torch.tensor([0, 1])
    expected = torch.nn.functional.cross_entropy(logits, labels)
    got = distillation_loss(logits, teacher, labels, temperature=2.0, alpha=0.0)
    assert torch.allclose(got, expected)


def test_pool_rows_learn_from_the_teacher_only():
    teacher = torch.log_softmax(torch.tensor([[3.0, 1.0, 0.0, 0.0, -1.0]]), dim=-1)
    no_label = torch.tensor([NO_LABEL])
    # a student that matches the teacher has zero loss on a pool row, at any alpha
    same = distillation_loss(teacher.clone(), teacher, no_label, temperature=3.0, alpha=0.2)
    assert same.abs() < 1e-6
    other = distillation_loss(torch.zeros(1, 5), teacher, no_label, temperature=3.0, alpha=0.2)
    assert other > 0.01
    # the gradient pulls the student's top class towards the teacher's
    student = torch.zeros(1, 5, requires_grad=True)
    distillation_loss(student, teacher, no_label, temperature=1.0, alpha=0.5).backward()
    assert student.grad is not None and int(student.grad.argmin()) == 0


def test_pool_weight_scales_pool_rows_only():
    teacher = torch.log_softmax(torch.randn(2, 5), dim=-1)
    student = torch.randn(2, 5)
    labels = torch.tensor([2, NO_LABEL])
    full = [
        distillation_loss(student[i : i + 1], teacher[i : i + 1], labels[i : i + 1], 2.0, 0.5)
        for i in range(2)
    ]
    got = distillation_loss(student, teacher, labels, 2.0, 0.5, pool_weight=0.25)
    assert torch.allclose(got, (full[0] + 0.25 * full[1]) / 2)
    with pytest.raises(ConfigError, match=r"'training\.distill_pool_weight' must be in \[0, 1\]"):
        parse_config({"training": {"distill_pool_weight": 2.0}})


class CountingTeacher:
    """Stands in for a Classifier: counts what it labels, can fail after N calls."""

    name = "counting"

    def __init__(self, model_dir: Path, fail_after: int | None = None) -> None:
        self.model_dir = model_dir
        self.seen: list[str] = []
        self.fail_after = fail_after

    def predict_proba(self, texts, batch_size=32):
        if self.fail_after is not None and len(self.seen) >= self.fail_after:
            raise KeyboardInterrupt("stopped")
        self.seen.extend(texts)
        rows = [np.eye(5)[len(t) % 5] * 0.9 + 0.02 for t in texts]
        return np.array(rows, dtype=np.float32)


def test_teacher_labels_resume_after_a_stop(tmp_path, tiny_model_dir):
    texts = [f"sentence number {i}" for i in range(25)] + ["sentence number 3"]
    cache = tmp_path / "labels"
    stopped = CountingTeacher(tiny_model_dir, fail_after=10)
    with pytest.raises(KeyboardInterrupt):
        teacher_log_probs(stopped, texts, cache, chunk_size=5, progress=False)
    assert len(read_cache(cache)) == 10  # two whole chunks kept
    resumed = CountingTeacher(tiny_model_dir)
    out = teacher_log_probs(resumed, texts, cache, chunk_size=5, progress=False)
    assert len(resumed.seen) == 15 and set(resumed.seen).isdisjoint(stopped.seen)
    assert out.shape == (26, 5)
    np.testing.assert_array_equal(out[3], out[25])  # a repeat gets the same row
    assert int(out[7].argmax()) == len(texts[7]) % 5
    # everything is there now: a third run labels nothing
    again = CountingTeacher(tiny_model_dir)
    teacher_log_probs(again, texts, cache, chunk_size=5, progress=False)
    assert again.seen == []


def test_teacher_cache_refuses_another_teacher(tmp_path, tiny_model_dir, tiny_base_dir):
    cache = tmp_path / "labels"
    teacher_log_probs(CountingTeacher(tiny_model_dir), ["a b"], cache, progress=False)
    with pytest.raises(ValueError, match="labels of another teacher"):
        teacher_log_probs(CountingTeacher(tiny_base_dir), ["a b"], cache, progress=False)


def test_pool_needs_a_teacher():
    with pytest.raises(ConfigError, match=r"'data\.pool' needs 'training\.teacher'"):
        parse_config({"data": {"pool": "pool.txt"}})
    with pytest.raises(ConfigError, match=r"read from 'data\.real_news'"):
        parse_config({"data": {"pool": "current-events"}, "training": {"teacher": "accurate"}})


def test_distillation_end_to_end(tiny_base_dir, tiny_model_dir, tiny_data_dir, tmp_path):
    pool = tmp_path / "pool.txt"
    lines = [f"Officials in province {i} said talks would resume." for i in range(30)]
    pool.write_text("\n".join([*lines, "", lines[0]]) + "\n", encoding="utf-8")
    cfg = parse_config(
        {
            "model": {"base_model": str(tiny_base_dir), "max_length": 32, "name": "student"},
            "data": {"path": str(tiny_data_dir), "pool": str(pool), "max_pool_samples": 24},
            "training": {
                "epochs": 1,
                "batch_size": 8,
                "learning_rate": 0.01,
                "teacher": str(tiny_model_dir),
                "teacher_cache": str(tmp_path / "teacher"),
                "distill_temperature": 2.0,
                "distill_alpha": 0.5,
                "write_report": False,
            },
        }
    )
    out = train(cfg, output_dir=tmp_path / "student")
    labeled = read_cache(tmp_path / "teacher")
    assert len(labeled) == 20 + 24  # the gold training sentences and the sampled pool
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train_size"] == 20
    student = Classifier.from_pretrained(out, backend="torch")
    assert student.predict_proba(["Talks resumed."]).shape == (1, 5)


def test_more_gold_data_leaves_the_rest_of_the_pool_sample_alone(tmp_path):
    """The teacher's cached pool labels stay valid when more sentences are annotated."""
    from conflictnlp.training.trainer import pool_texts

    pool = tmp_path / "pool.txt"
    lines = [f"Officials in province {i} said talks would resume." for i in range(40)]
    pool.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = parse_config(
        {
            "data": {"pool": str(pool), "max_pool_samples": 25},
            "training": {"teacher": "accurate"},
        }
    )
    before = pool_texts(cfg, ["Rebels shelled the airport."])
    annotated = before[3]
    after = pool_texts(cfg, ["Rebels shelled the airport.", annotated])
    assert len(before) == 25
    assert after == [text for text in before if text != annotated]


def test_a_teacher_given_by_name_loads_only_when_labels_are_missing(
    tmp_path, tiny_model_dir, monkeypatch
):
    from conflictnlp.inference import classifier as modeling

    cache = tmp_path / "labels"
    texts = ["Talks resumed in Doha.", "Rebels shelled the airport."]
    teacher_log_probs(CountingTeacher(tiny_model_dir), texts, cache, progress=False)

    def no_loading(*args, **kwargs):
        raise AssertionError("the teacher was loaded although every label was cached")

    with monkeypatch.context() as patched:
        patched.setattr(modeling.Classifier, "from_pretrained", no_loading)
        cached = teacher_log_probs(str(tiny_model_dir), texts, cache, progress=False)
    assert cached.shape == (2, 5)
    more = teacher_log_probs(
        str(tiny_model_dir), [*texts, "A new sentence."], cache, progress=False
    )
    assert np.isfinite(more).all() and len(read_cache(cache)) == 3


def test_label_pool_command(tmp_path, tiny_base_dir, tiny_model_dir, tiny_data_dir, capsys):
    from conflictnlp.cli import main

    pool = tmp_path / "pool.txt"
    pool.write_text("The court adjourned.\nA minister resigned.\n", encoding="utf-8")
    config = tmp_path / "distill.yaml"
    config.write_text(
        f"model: {{base_model: '{tiny_base_dir}'}}\n"
        f"data: {{path: '{tiny_data_dir}', pool: '{pool}'}}\n"
        f"training: {{teacher: '{tiny_model_dir}', teacher_cache: '{tmp_path / 'labels'}'}}\n",
        encoding="utf-8",
    )
    assert main(["label-pool", "--config", str(config)]) == 0
    assert "22 sentences labeled by the teacher" in capsys.readouterr().out
    assert len(read_cache(tmp_path / "labels")) == 22
    no_teacher = tmp_path / "plain.yaml"
    no_teacher.write_text(f"data: {{path: '{tiny_data_dir}'}}\n", encoding="utf-8")
    assert main(["label-pool", "--config", str(no_teacher)]) == 2
    assert "no training.teacher" in capsys.readouterr().err


def test_model_card_states_the_pool_weight_only_when_it_is_not_one(tmp_path):
    from conflictnlp.training.model_card import write_model_card

    split = {"n": 4, "accuracy": 0.5, "macro_f1": 0.5, "macro_f1_ci95": [0.4, 0.6], "ece": 0.1}
    label = {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 1}
    metrics = {
        "validation": split,
        "test": {**split, "per_label": {"attack": label}},
        "train_size": 4,
        "train_seconds": 1,
        "precision": "no",
        "temperature": 1.0,
    }
    raw = {
        "data": {"pool": "pool.txt", "max_pool_samples": 40000},
        "training": {"teacher": "accurate"},
    }
    card = write_model_card(tmp_path, parse_config(raw), metrics).read_text()
    assert "40000 unlabeled sentences" in card and "weighing" not in card
    raw["training"]["distill_pool_weight"] = 0.25
    card = write_model_card(tmp_path, parse_config(raw), metrics).read_text()
    assert "each weighing 0.25 of a gold sentence" in card
    assert "ONNX Runtime, int8 unless" in card
    assert "through\n  PyTorch in full precision" in card and "int8 ONNX moves them" in card
    raw["model"] = {"onnx_recipe": "fp32"}
    card = write_model_card(tmp_path, parse_config(raw), metrics).read_text()
    assert "ONNX Runtime, fp32 unless" in card  # the card says how its numbers were measured
    assert "fp32 ONNX gives the same labels" in card
