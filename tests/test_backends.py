"""Backend selection, ONNX caching, save/load round trips and loud loading errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import onnx
import pytest

from conflictnlp import Classifier
from conflictnlp.inference.onnx_backend import cached_onnx_path

TEXTS = [
    "Rebels shelled the airport on Tuesday.",
    "The death toll rose to 40.",
    "Foreign ministers met in Geneva.",
    "The army accused the rebels of using human shields.",
    "Aid agencies warned of food shortages.",
    "A much longer sentence about a convoy that was ambushed on the road to the northern "
    "city, according to two local officials who spoke on condition of anonymity.",
]


def test_auto_backend_is_onnx_on_cpu(tiny_model_dir):
    assert Classifier.from_pretrained(tiny_model_dir).backend.name == "onnx"
    assert Classifier.from_pretrained(tiny_model_dir, backend="torch").backend.name == "torch"


def test_auto_backend_is_torch_on_gpu(monkeypatch, tiny_model_dir):
    import conflictnlp.inference.classifier as modeling

    chosen = {}

    class FakeTorchBackend:
        name = "torch"

        def __init__(self, model, device):
            chosen["device"] = device

    monkeypatch.setattr(modeling, "_cuda_visible", lambda: True)
    monkeypatch.setattr("conflictnlp.inference.torch_backend.TorchBackend", FakeTorchBackend)
    clf = Classifier.from_pretrained(tiny_model_dir)
    assert clf.backend.name == "torch" and chosen["device"] == "auto"


def test_onnx_refuses_cuda(tiny_model_dir):
    with pytest.raises(ValueError, match="runs on the CPU"):
        Classifier.from_pretrained(tiny_model_dir, backend="onnx", device="cuda")


def test_unknown_backend(tiny_model_dir):
    with pytest.raises(ValueError, match="backend must be"):
        Classifier.from_pretrained(tiny_model_dir, backend="tensorrt")  # type: ignore[arg-type]


def test_onnx_fp32_matches_torch(tiny_model_dir):
    torch_probs = Classifier.from_pretrained(tiny_model_dir, backend="torch").predict_proba(TEXTS)
    onnx_probs = Classifier.from_pretrained(
        tiny_model_dir, backend="onnx", onnx_recipe="fp32"
    ).predict_proba(TEXTS)
    np.testing.assert_allclose(onnx_probs, torch_probs, atol=1e-5)


def _copy_with_settings(model_dir, folder, **settings):
    """A copy of ``model_dir`` whose conflictnlp settings are updated with ``settings``."""
    shutil.copytree(model_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config["conflictnlp"].update(settings)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_a_model_runs_with_the_recipe_its_settings_name(tiny_model_dir, tmp_path):
    folder = _copy_with_settings(tiny_model_dir, tmp_path / "fp32-model", onnx_recipe="fp32")
    assert Classifier.from_pretrained(folder, backend="onnx").backend.path == cached_onnx_path(
        folder, "fp32"
    )
    chosen = Classifier.from_pretrained(folder, backend="onnx", onnx_recipe="int8")
    assert chosen.backend.path == cached_onnx_path(folder, "int8")  # the caller's choice wins
    default = Classifier.from_pretrained(tiny_model_dir, backend="onnx")
    assert default.backend.path == cached_onnx_path(tiny_model_dir, "int8")


def test_int8_close_to_torch(tiny_model_dir):
    torch_probs = Classifier.from_pretrained(tiny_model_dir, backend="torch").predict_proba(TEXTS)
    int8_probs = Classifier.from_pretrained(tiny_model_dir, backend="onnx").predict_proba(TEXTS)
    assert np.abs(int8_probs - torch_probs).max() < 0.02


def test_int8_row_scores_are_independent_of_the_batch(tiny_model_dir):
    clf = Classifier.from_pretrained(tiny_model_dir, backend="onnx")
    batched = clf.predict_proba(TEXTS, batch_size=len(TEXTS))
    alone = np.concatenate([clf.predict_proba([t]) for t in TEXTS])
    np.testing.assert_allclose(alone, batched, atol=1e-6)
    graph_ops = {n.op_type for n in onnx.load(clf.backend.path).graph.node}
    assert "DynamicQuantizeLinear" not in graph_ops and "MatMulInteger" in graph_ops


def test_onnx_cache_is_reused(tiny_model_dir):
    Classifier.from_pretrained(tiny_model_dir, backend="onnx")
    path = cached_onnx_path(tiny_model_dir, "int8")
    stamp = path.stat().st_mtime_ns
    Classifier.from_pretrained(tiny_model_dir, backend="onnx")
    assert path.stat().st_mtime_ns == stamp


def test_cache_key_follows_the_weights(tiny_model_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    assert cached_onnx_path(copy, "int8") == cached_onnx_path(tiny_model_dir, "int8")
    config = json.loads((copy / "config.json").read_text())
    config["conflictnlp"]["temperature"] = 2.0
    (copy / "config.json").write_text(json.dumps(config))
    assert cached_onnx_path(copy, "int8") != cached_onnx_path(tiny_model_dir, "int8")
    with pytest.raises(ValueError, match="Unknown ONNX recipe"):
        cached_onnx_path(copy, "int4")


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_save_load_round_trip(tiny_model_dir, tmp_path, backend):
    clf = Classifier.from_pretrained(tiny_model_dir, backend=backend)
    clf.save_pretrained(tmp_path / "saved")
    again = Classifier.from_pretrained(tmp_path / "saved", backend=backend)
    assert again.predict(TEXTS) == clf.predict(TEXTS)
    assert not list((tmp_path / "saved").glob("*.bin")) and not list(
        (tmp_path / "saved").glob("*.pt")
    )


def test_plain_transformers_can_load_the_folder(tiny_model_dir):
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)
    assert model.config.id2label[1] == "casualty_report"


def test_missing_weights_fail_loudly(tiny_model_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "model.safetensors").unlink()
    with pytest.raises(OSError):
        Classifier.from_pretrained(broken, backend="torch")


def test_bare_encoder_is_refused(tiny_base_dir, tmp_path):
    folder = tmp_path / "bare"
    shutil.copytree(tiny_base_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config.update(
        id2label={
            str(i): n
            for i, n in enumerate(
                ["attack", "casualty_report", "diplomatic_move", "allegation", "other"]
            )
        },
        label2id={},
        architectures=["BertForSequenceClassification"],
    )
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="no trained classification head"):
        Classifier.from_pretrained(folder, backend="torch")


def test_wrong_labels_are_refused(tiny_model_dir, tmp_path):
    folder = tmp_path / "labels"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config["id2label"] = {str(i): f"LABEL_{i}" for i in range(5)}
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="conflictnlp models must have"):
        Classifier.from_pretrained(folder, backend="torch")


def test_not_a_model_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no config\.json"):
        Classifier.from_pretrained(tmp_path)


def test_newer_model_version_warns(tiny_model_dir, tmp_path):
    folder = _copy_with_settings(tiny_model_dir, tmp_path / "newer", version="99.0")
    with pytest.warns(UserWarning, match="saved by conflictnlp 99.0, newer than this"):
        Classifier.from_pretrained(folder, backend="torch")
