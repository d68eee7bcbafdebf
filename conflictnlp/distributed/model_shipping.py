"""Get one model to every worker without each worker exporting it.

The driver builds (or finds in its cache) the int8 ONNX export once, and ships the three
files a CPU worker needs (``model.onnx``, ``tokenizer.json``, ``config.json``, about 25 MB
for the shipped model) as one object in Ray's object store. Every worker fetches that
object from its node's store (Ray copies it between nodes once per node) and loads it;
no worker imports torch, and none runs the 6-second, 900 MB export. The object store
works on any cluster, where a cache path on the driver's disk would only work on a shared
file system; docs/scaling.md has the measured times of both.

GPU workers run PyTorch, so they get the model folder's own files instead.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..inference.classifier import Classifier

# What a CPU worker needs besides the ONNX graph: the tokenizer and the settings.
_ONNX_COMPANIONS = ("config.json", "tokenizer.json")
ONNX_FILE = "model.onnx"


@dataclass(frozen=True)
class ModelBundle:
    """A model as bytes, small enough for the object store, and how to run it.

    Attributes:
        files: File name to content; written to a scratch folder on the worker.
        backend: ``"onnx"`` (CPU workers) or ``"torch"`` (GPU workers).
        source: The model as the user named it, for messages.
    """

    files: dict[str, bytes]
    backend: str
    source: str

    @property
    def nbytes(self) -> int:
        return sum(len(b) for b in self.files.values())


def pack_model(model: str | os.PathLike, gpu: bool = False) -> ModelBundle:
    """Resolve ``model`` on the driver and pack what a worker needs to run it.

    For CPU workers this builds the int8 ONNX export on the driver, once, through the
    usual cache (``Classifier.from_pretrained`` does the building).
    """
    if gpu:
        from ..inference.classifier import _resolve_folder

        folder = _resolve_folder(model)
        files = {
            f.name: f.read_bytes()
            for f in folder.iterdir()
            if f.is_file() and not f.name.startswith(("__", "."))
        }
        return ModelBundle(files, "torch", str(model))
    from ..inference.onnx_backend import ensure_onnx_model

    folder = Classifier.from_pretrained(model, backend="onnx", threads=1).model_dir
    files = {name: (folder / name).read_bytes() for name in _ONNX_COMPANIONS}
    files[ONNX_FILE] = ensure_onnx_model(folder, "int8").read_bytes()  # cached by now
    return ModelBundle(files, "onnx", str(model))


def load_model(bundle: ModelBundle, threads: int = 1) -> Classifier:
    """Rebuild the classifier on a worker from ``bundle``.

    The files go to a scratch folder that is removed once loaded: ONNX Runtime, the
    tokenizer and PyTorch all read them into memory, so nothing is left on the worker's
    disk, even when the worker is killed later.

    Args:
        threads: ONNX Runtime threads; match the CPUs the actor reserves.
    """
    with tempfile.TemporaryDirectory(prefix="conflictnlp-model-") as scratch:
        folder = Path(scratch)
        for name, data in bundle.files.items():
            (folder / name).write_bytes(data)
        if bundle.backend == "torch":
            return Classifier.from_pretrained(folder, device="cuda", backend="torch")
        from ..inference.encoding import SentenceEncoder
        from ..inference.model_files import read_config, read_settings
        from ..inference.onnx_backend import OnnxBackend

        settings = read_settings(read_config(folder))
        encoder = SentenceEncoder(folder / "tokenizer.json", settings.max_length)
        backend = OnnxBackend(folder / ONNX_FILE, threads=threads)
        return Classifier(backend, encoder, settings, Path(bundle.source))
