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
        f"{cpu} ({_int8_instructions()}), {os.cpu_count()} cores, {mem}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def _int8_instructions() -> str:
    """The widest SIMD the CPU offers for int8 dot products: it sets the int8 speed-up.

    The same "AMD EPYC, 2 cores" label has covered hosts with AVX-512 VNNI and hosts with
    only AVX2, and int8 inference is several times faster on the first.
    """
    try:
        flags = set(Path("/proc/cpuinfo").read_text(encoding="utf-8").split())
    except OSError:
        return "SIMD unknown"
    for flag, name in (("avx512_vnni", "AVX-512 VNNI"), ("avx512f", "AVX-512"), ("avx2", "AVX2")):
        if flag in flags:
            return name
    return "no AVX2"
