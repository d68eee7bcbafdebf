"""The one folder every cache of the library lives under (ONNX exports, fetched base
encoders, rebuilt real-news sources), so that users clear or move them with one setting."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """``$CONFLICTNLP_CACHE``, else ``$XDG_CACHE_HOME/conflictnlp``, else ``~/.cache/conflictnlp``."""
    if os.environ.get("CONFLICTNLP_CACHE"):
        return Path(os.environ["CONFLICTNLP_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "conflictnlp"
