"""A one-line description of the machine a benchmark ran on, for the recorded output."""

from __future__ import annotations

import os
import platform


def describe_machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(next(x for x in open("/proc/meminfo") if x.startswith("MemTotal")).split()[1])
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        mem = "unknown RAM"
    return (f"{cpu}, {os.cpu_count()} cores, {mem}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")
