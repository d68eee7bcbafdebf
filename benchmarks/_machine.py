"""A one-line description of the machine a benchmark ran on, for the recorded output."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe_machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
        cpu = next(x for x in cpuinfo if x.startswith("model name")).split(":", 1)[1].strip()
    except (OSError, StopIteration):
        pass
    try:
        meminfo = Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()
        mem_kb = int(next(x for x in meminfo if x.startswith("MemTotal")).split()[1])
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        mem = "unknown RAM"
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
