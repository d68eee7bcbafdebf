"""Label a corpus too big for one machine with Ray Data (``pip install "conflictnlp[ray]"``).

Importing this package does not import Ray: the one-process paths never pay for it, and a
machine without Ray can still import ``conflictnlp.distributed``; the first call that
needs Ray raises one ``ImportError`` that says what to install.

Modules, each with one job (imports go one way, top to bottom):

- ``files``: the ``classify --engine ray`` job: find the input shards, read them with Ray
  Data's readers, write sharded output of the same format, count what was written.
- ``dataset``: :func:`classify_dataset`, a ``ray.data.Dataset`` in, a labeled one out.
- ``labeler``: the actor that holds one model replica and labels Arrow batches.
- ``model_shipping``: packs the model (the int8 ONNX export, built once on the driver)
  into the object store and rebuilds a ``Classifier`` from it on a worker.
- ``ray_import``: imports Ray, or explains how to install it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["classify_dataset", "classify_files"]

if TYPE_CHECKING:
    from .dataset import classify_dataset
    from .files import classify_files


def __getattr__(name: str) -> Any:
    if name in __all__:
        from importlib import import_module

        from .ray_import import import_ray

        import_ray()  # the one clear message, before any module imports pyarrow

        module = "dataset" if name == "classify_dataset" else "files"
        value = getattr(import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'conflictnlp.distributed' has no attribute {name!r}")
