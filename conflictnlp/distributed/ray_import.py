"""Import Ray on demand, with one message that says how to get it."""

from __future__ import annotations

from types import ModuleType

INSTALL_HINT = 'pip install "conflictnlp[ray]"'


def import_ray() -> ModuleType:
    """Return the ``ray`` module after checking that Ray Data is there too.

    Raises:
        ImportError: Ray (or its ``data`` extra) is not installed; the message names the
            command that installs it.
    """
    try:
        import ray
        import ray.data  # ray without the [data] extra lacks pyarrow and pandas
    except ImportError as err:
        raise ImportError(
            f"The Ray engine needs Ray Data, which is not installed ({err}). "
            f"Install it with: {INSTALL_HINT}"
        ) from err
    return ray
