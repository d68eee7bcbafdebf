"""training.cache_frozen_blocks: the frozen lower blocks run once and are replayed.

The replayed model must be the same function as the full one (evaluation logits equal),
must train the same parameters under the same names, and must refuse what it cannot do.
"""

from __future__ import annotations

import json

import pytest
import torch

from conflictnlp import train
from conflictnlp.training.config import parse_config
from conflictnlp.training.frozen_blocks import FROZEN_HIDDEN, FrozenBlockCache, ReplayCollator
from conflictnlp.training.trainer import _build_model

SENTENCES = [
    "Rebels shelled the airport on Tuesday, officials said.",
    "Talks resumed.",
    "The death toll from the bombing rose to 40, the ministry said on Sunday.",
]


def _lora_model(base, lora_layers=2):
    torch.manual_seed(1)
    cfg = parse_config({"model": {"base_model": str(base), "lora_layers": lora_layers}})
    model = _build_model(cfg)
    with torch.no_grad():  # LoRA starts as a no-op (B = 0); make the trained blocks count
        for name, parameter in model.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.5)
    return model


def _batch(base, texts=SENTENCES):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base)
    return tokenizer(texts, padding=True, return_tensors="pt")


def _inputs(model, batch):
    from conflictnlp.inference.torch_backend import model_input_names

    return {k: batch[k] for k in model_input_names(model)}


@pytest.mark.parametrize(("encoder", "trained"), [("tiny_base_dir", 1), ("tiny_mpnet_base", 2)])
def test_replayed_logits_equal_the_full_model(encoder, trained, request):
    base = request.getfixturevalue(encoder)
    model = _lora_model(base, trained).eval()
    inputs = _inputs(model, _batch(base))
    with torch.no_grad():
        full = model(**inputs).logits
    cache = FrozenBlockCache(model, trained)
    rows = cache.add([inputs])
    # each sentence keeps only its real tokens
    lengths = inputs["attention_mask"].sum(dim=1).tolist()
    assert [cache.rows[r].shape[0] for r in rows] == lengths
    hidden = cache.padded(list(rows), inputs["attention_mask"])
    with cache.replay(), torch.no_grad():
        replayed = model(**inputs, **{FROZEN_HIDDEN: hidden}).logits
    torch.testing.assert_close(replayed, full, atol=1e-5, rtol=1e-5)
    # the same sentences in another order and batch (other padding) replay the same
    one = _inputs(model, _batch(base, SENTENCES[1:2]))
    with cache.replay(), torch.no_grad():
        alone = model(**one, **{FROZEN_HIDDEN: cache.padded([rows[1]], one["attention_mask"])})
    torch.testing.assert_close(alone.logits[0], full[1], atol=1e-5, rtol=1e-5)


def test_replay_trains_the_top_blocks_under_their_own_names(tiny_mpnet_base):
    model = _lora_model(tiny_mpnet_base)
    inputs = _inputs(model, _batch(tiny_mpnet_base))
    keys_before = set(model.state_dict())
    cache = FrozenBlockCache(model, 2)
    hidden = cache.padded(list(cache.add([inputs])), inputs["attention_mask"])
    model.train()
    with cache.replay():
        assert set(model.state_dict()) <= keys_before  # adapters save under the full names
        assert not any(".layer.0." in k for k in model.state_dict())  # block 0 is skipped
        loss = model(**inputs, **{FROZEN_HIDDEN: hidden}, labels=torch.tensor([0, 2, 1])).loss
        loss.backward()
        with pytest.raises(ValueError, match="without its cached 'frozen_hidden'"):
            model(**inputs)
    trained = {n for n, p in model.named_parameters() if p.grad is not None}
    assert any(".layer.1." in n and "lora" in n for n in trained)
    assert any(".layer.2." in n and "lora" in n for n in trained)
    assert any("classifier" in n for n in trained)
    assert set(model.state_dict()) == keys_before  # the full model is back


def test_replay_collator_adds_padded_states(tiny_base_dir):
    from transformers import AutoTokenizer, DataCollatorWithPadding

    model = _lora_model(tiny_base_dir, 1)
    tokenizer = AutoTokenizer.from_pretrained(tiny_base_dir)
    features = [dict(tokenizer(t), label=i) for i, t in enumerate(SENTENCES)]
    import datasets

    dataset = datasets.Dataset.from_list(features)
    cache = FrozenBlockCache(model, 1)
    base = DataCollatorWithPadding(tokenizer)
    names = ["input_ids", "token_type_ids", "attention_mask"]
    cached = cache.add_dataset(dataset, base, 2, names)
    assert sorted(cached["frozen_row"]) == [0, 1, 2]
    batch = ReplayCollator(base, cache)([cached[2], cached[1]])
    assert batch[FROZEN_HIDDEN].shape == (*batch["input_ids"].shape, 32)
    assert "frozen_row" not in batch and batch["labels"].tolist() == [2, 1]
    rows = cached["frozen_row"]
    real = int(batch["attention_mask"][1].sum())
    torch.testing.assert_close(batch[FROZEN_HIDDEN][1, :real], cache.rows[rows[1]])
    assert not batch[FROZEN_HIDDEN][1, real:].any()  # padding stays zero


def test_a_config_without_frozen_blocks_is_refused(tiny_base_dir, tiny_data_dir, tmp_path):
    cfg = parse_config(
        {
            "model": {"base_model": str(tiny_base_dir)},
            "data": {"path": str(tiny_data_dir)},
            "training": {"cache_frozen_blocks": True, "max_steps": 1},
        }
    )
    with pytest.raises(ValueError, match=r"needs frozen blocks: set model\.method: lora"):
        train(cfg, output_dir=tmp_path)
    model = _lora_model(tiny_base_dir, 2)
    with pytest.raises(ValueError, match="2 trained of 2"):
        FrozenBlockCache(model, 2)


def test_training_with_the_cache_matches_the_plain_run(tiny_data_dir, tmp_path):
    """The same recipe with and without the cache, on an encoder without dropout (the
    only thing the cache changes): both runs learn the same adapters."""
    from conftest import quick_lora_config, save_tiny_encoder
    from safetensors.torch import load_file

    base = save_tiny_encoder(
        tmp_path / "base",
        "mpnet",
        3,
        max_position_embeddings=130,
        pad_token_id=0,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )

    def run(cache: bool):
        cfg = quick_lora_config(
            base,
            tiny_data_dir,
            model={"lora_layers": 1, "lora_dropout": 0.0},
            training={"cache_frozen_blocks": cache},
        )
        return train(cfg, output_dir=tmp_path / str(cache))

    plain, cached = run(False), run(True)
    a = load_file(str(plain / "adapter_model.safetensors"))
    b = load_file(str(cached / "adapter_model.safetensors"))
    assert a.keys() == b.keys() and any(".layer.2." in k for k in a)
    for key in a:
        torch.testing.assert_close(b[key], a[key], atol=1e-4, rtol=1e-3)
    metrics = [json.loads((run / "metrics.json").read_text()) for run in (plain, cached)]
    assert metrics[0]["temperature"] == pytest.approx(metrics[1]["temperature"], rel=1e-3)
