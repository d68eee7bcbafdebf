"""Config files: unknown keys and wrong types are errors that name the key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conflictnlp.training.config import ConfigError, load_config, parse_config

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIGS.glob("*.yaml")))
def test_shipped_configs_parse(name):
    config = load_config(CONFIGS / name)
    assert config.model.method in ("lora", "full")


def test_distill_config_learns_from_the_shipped_teacher_on_training_years_only():
    from conflictnlp.data.current_events import SPLIT_YEARS
    from conflictnlp.inference.model_files import SHIPPED_MODELS

    distill = load_config(CONFIGS / "distill.yaml")
    assert distill.training.teacher in SHIPPED_MODELS and distill.data.pool == "current-events"
    assert distill.data.pool_last_year <= SPLIT_YEARS["train"][1]
    accurate = load_config(CONFIGS / "accurate.yaml")
    assert accurate.model.base_model == "all-mpnet-base-v2" and accurate.data.real_news


def test_defaults_for_empty_config(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("")
    assert load_config(path).model.method == "lora"


def test_unknown_key_names_key_and_line(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model:\n  method: lora\ntraining:\n  epochs: 2\n  learning_rat: 0.1\n")
    with pytest.raises(ConfigError, match=r"c\.yaml, line 5: unknown key 'training\.learning_rat'"):
        load_config(path)


def test_wrong_type_names_key_and_expected_type(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("training:\n  batch_size: sixteen\n")
    with pytest.raises(
        ConfigError, match=r"line 2: 'training\.batch_size' must be int, got 'sixteen'"
    ):
        load_config(path)


def test_int_accepted_for_float_but_not_bool_for_int():
    assert parse_config({"training": {"learning_rate": 1}}).training.learning_rate == 1
    with pytest.raises(ConfigError, match="batch_size"):
        parse_config({"training": {"batch_size": True}})


def test_unknown_section_and_bad_method():
    with pytest.raises(ConfigError, match="unknown section 'optim'"):
        parse_config({"optim": {}})
    with pytest.raises(ConfigError, match=r"'model\.method' must be 'lora' or 'full'"):
        parse_config({"model": {"method": "adapters"}})
    with pytest.raises(ConfigError, match=r"'model\.onnx_recipe' must be one of"):
        parse_config({"model": {"onnx_recipe": "int4"}})


def test_list_and_optional_types():
    cfg = parse_config({"model": {"lora_target_modules": ["query"]}, "data": {"path": None}})
    assert cfg.model.lora_target_modules == ["query"]
    with pytest.raises(ConfigError, match="lora_target_modules"):
        parse_config({"model": {"lora_target_modules": "query"}})


def test_missing_and_invalid_yaml(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such config file"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_extends_merges_key_by_key_and_child_wins(tmp_path):
    (tmp_path / "base.yaml").write_text(
        "model:\n  lora_r: 8\n  name: base\ntraining:\n  epochs: 5\n  batch_size: 32\n"
    )
    sub = tmp_path / "variants"
    sub.mkdir()
    (sub / "child.yaml").write_text(
        "extends: ../base.yaml\nmodel:\ntraining:\n  epochs: 3\ndata:\n  max_pool_samples: 7\n"
    )
    config = load_config(sub / "child.yaml")
    assert (config.model.lora_r, config.model.name) == (8, "base")
    assert (config.training.epochs, config.training.batch_size) == (3, 32)
    assert config.data.max_pool_samples == 7


def test_extends_errors_name_the_file_and_line_that_wrote_the_key(tmp_path):
    (tmp_path / "base.yaml").write_text("training:\n  epochs: 5\n  batch_size: many\n")
    (tmp_path / "child.yaml").write_text("extends: base.yaml\ntraining:\n  epochs: 3\n")
    with pytest.raises(
        ConfigError, match=r"base\.yaml, line 3: 'training\.batch_size' must be int"
    ):
        load_config(tmp_path / "child.yaml")
    (tmp_path / "base.yaml").write_text("training:\n  epochs: 5\n")
    (tmp_path / "child.yaml").write_text("extends: base.yaml\ntraining:\n\n  epoch: 3\n")
    with pytest.raises(ConfigError, match=r"child\.yaml, line 4: unknown key 'training\.epoch'"):
        load_config(tmp_path / "child.yaml")


def test_extends_refuses_missing_parents_cycles_and_non_paths(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text("training:\n  epochs: 3\nextends: nope.yaml\n")
    with pytest.raises(ConfigError, match=r"child\.yaml, line 3: 'extends' names .*nope\.yaml"):
        load_config(child)
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ConfigError, match=r"'extends' makes a cycle: .*a\.yaml -> .*b\.yaml -> "):
        load_config(tmp_path / "a.yaml")
    child.write_text("extends: [base.yaml]\n")
    with pytest.raises(ConfigError, match="'extends' must be the path of another config file"):
        load_config(child)
