"""Encoders other than BERT: MPNet has no token_type_ids, no pooler, other module names
and another pad id. A tiny random MPNet goes through training, ONNX export and inference."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tokenizers import Tokenizer
from tokenizers.models import WordLevel

from conflictnlp import Classifier, train
from conflictnlp.inference.encoding import pad_token_id
from conflictnlp.training.trainer import _trained_modules, lora_targets

PROBE = ["Rebels shelled the airport.", "The death toll rose to 40.", "Talks resumed."]


def _seq_cls(base):
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(base, num_labels=5)


def test_lora_targets_bert_match_the_old_suffix_list(tiny_base_dir):
    model = _seq_cls(tiny_base_dir)
    old = ["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"]
    assert lora_targets(model, [], None) == lora_targets(model, old, None)
    names = lora_targets(model, [], None)
    assert len(names) == 2 * 6 and not any("pooler" in n or "classifier" in n for n in names)
    assert _trained_modules(model, all_layers=True) == [
        "classifier",
        "pooler",
        "token_type_embeddings",
    ]


def test_lora_targets_mpnet_and_top_layers(tiny_mpnet_base):
    model = _seq_cls(tiny_mpnet_base)
    names = lora_targets(model, [], None)
    assert {n.rsplit(".", 1)[-1] for n in names} == {"q", "k", "v", "o", "dense"}
    top = lora_targets(model, [], 1)
    assert top and all(".layer.2." in n for n in top)
    # no pooler and no token-type embeddings in MPNet: only the head trains in full
    assert _trained_modules(model, all_layers=True) == ["classifier"]
    with pytest.raises(ValueError, match="lora_layers is 4, but the encoder has 3 blocks"):
        lora_targets(model, [], 4)
    with pytest.raises(ValueError, match="No linear layer ending in"):
        lora_targets(model, ["query"], None)


def test_pad_id_comes_from_the_tokenizer():
    vocab = {"[UNK]": 0, "<pad>": 1, "war": 2}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    assert pad_token_id(tokenizer) == 1
    tokenizer.enable_padding(pad_id=2, pad_token="war")
    assert pad_token_id(tokenizer) == 2


@pytest.fixture(scope="module")
def mpnet_run(tiny_mpnet_base, tiny_data_dir, tmp_path_factory):
    from conftest import quick_lora_config

    cfg = quick_lora_config(tiny_mpnet_base, tiny_data_dir, model={"lora_layers": 2})
    return train(cfg, output_dir=tmp_path_factory.mktemp("mpnet-run"))


def test_mpnet_trains_on_the_top_blocks_only(mpnet_run):
    adapter = json.loads((mpnet_run / "adapter_config.json").read_text())
    targets = adapter["target_modules"]
    assert targets and all(".layer.1." in t or ".layer.2." in t for t in targets)
    from safetensors import safe_open

    with safe_open(str(mpnet_run / "adapter_model.safetensors"), framework="pt") as f:
        keys = list(f.keys())
    assert any("classifier" in k for k in keys)
    assert not any(".layer.0." in k or "embeddings" in k for k in keys)


def test_mpnet_onnx_and_torch_agree_without_token_type_ids(mpnet_run):
    onnx = Classifier.from_pretrained(mpnet_run, backend="onnx", onnx_recipe="fp32")
    assert {i.name for i in onnx.backend.session.get_inputs()} == {"input_ids", "attention_mask"}
    torch_probs = Classifier.from_pretrained(mpnet_run, backend="torch").predict_proba(PROBE)
    np.testing.assert_allclose(onnx.predict_proba(PROBE), torch_probs, atol=1e-4)
    int8 = Classifier.from_pretrained(mpnet_run, backend="onnx")
    assert [p.label for p in int8.predict(PROBE)] and int8.predict_proba(PROBE).shape == (3, 5)
