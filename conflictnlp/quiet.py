"""Silence third-party chatter while the library loads models.

transformers prints a load report and progress bars on ``from_pretrained`` and peft
emits FutureWarnings; a library call on the happy path must print nothing. We lower
those loggers only for the duration of the block and restore them afterwards, so a
user's own logging set-up is left as it was.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

_NOISY_LOGGERS = ("transformers", "peft", "accelerate", "huggingface_hub", "datasets")


@contextmanager
def quiet() -> Iterator[None]:
    """Run a block with third-party loggers at ERROR and their progress bars off."""
    loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [lg.level for lg in loggers]
    old_env = os.environ.get("HF_HUB_DISABLE_PROGRESS_BARS")
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    try:
        import transformers

        tf_verbosity = transformers.logging.get_verbosity()
        transformers.logging.set_verbosity_error()
        bars = transformers.utils.logging.is_progress_bar_enabled()
        transformers.utils.logging.disable_progress_bar()
    except ImportError:  # the ONNX path runs without transformers
        transformers = None  # type: ignore[assignment]
    datasets_bars = _datasets_bars(False)
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.filterwarnings("ignore", category=UserWarning, module="peft")
            warnings.filterwarnings("ignore", category=UserWarning, module="torch.onnx")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
        if transformers is not None:
            transformers.logging.set_verbosity(tf_verbosity)
            if bars:
                transformers.utils.logging.enable_progress_bar()
        if datasets_bars:
            _datasets_bars(True)
        if old_env is None:
            os.environ.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)
        else:
            os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = old_env


def _datasets_bars(enable: bool) -> bool:
    """Switch datasets' progress bars (if datasets is imported); return the old state."""
    import sys

    if "datasets" not in sys.modules:
        return False
    from datasets.utils import logging as ds_logging

    was = ds_logging.is_progress_bar_enabled()
    (ds_logging.enable_progress_bar if enable else ds_logging.disable_progress_bar)()
    return was
