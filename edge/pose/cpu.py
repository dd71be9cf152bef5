"""What this CPU offers the pose runtimes: the instruction sets that decide which precisions
run fast here, or run at all.

Left to themselves, runtimes pick a lower precision where the CPU has one: OpenVINO runs an
FP32 model in bf16 on a CPU with AMX or AVX512-BF16 (Intel Xeon from Sapphire Rapids on) and
may pick f16 on ARM (Ultralytics pins f32 there for that reason), NCNN stores and computes in
fp16 on an ARM CPU with half-precision arithmetic (the Pi 5's Cortex-A76). The same model and
the same ``pose.precision`` would give other keypoints on other machines. So each backend
pins the precision it is asked for, and what ran is logged with these features beside it.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from functools import cache
from pathlib import Path

X86_FEATURES = (
    ("AMX", ("amx_bf16",)),
    ("AVX512-BF16", ("avx512_bf16",)),
    ("VNNI", ("avx512_vnni", "avx_vnni")),
    ("AVX512", ("avx512f",)),
    ("AVX2", ("avx2",)),
)
"""(name, any of these /proc/cpuinfo flags): what decides OpenVINO's bf16 (AMX, AVX512-BF16)
and how fast INT8 runs (VNNI) on x86."""
ARM_FEATURES = (
    ("NEON", ("asimd",)),
    ("FP16", ("asimdhp",)),
    ("BF16", ("bf16",)),
    ("DOTPROD", ("asimddp",)),
    ("I8MM", ("i8mm",)),
)
"""The same on aarch64: NEON, half-precision arithmetic (NCNN's fp16), bf16, and the int8
dot-product instructions. A Pi 5's Cortex-A76 has NEON, FP16 and DOTPROD."""


@dataclass(frozen=True, slots=True)
class CpuFeatures:
    """The CPU's model name, its architecture (``platform.machine()``) and its flags."""

    model: str
    arch: str
    flags: frozenset[str]

    @property
    def table(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return ARM_FEATURES if self.arch in ("aarch64", "arm64") else X86_FEATURES

    def has(self, name: str) -> bool:
        """Whether the CPU has the feature ``name`` of this architecture's table."""
        return any(
            feature == name and not self.flags.isdisjoint(flags) for feature, flags in self.table
        )

    @property
    def bf16(self) -> bool:
        """Whether bf16 runs in hardware: AMX or AVX512-BF16 on x86, BF16 on ARM."""
        return self.has("AMX") or self.has("AVX512-BF16") or self.has("BF16")

    def summary(self) -> str:
        """``x86_64: AVX2; no AMX, AVX512-BF16, VNNI, AVX512`` for a log line or a table."""
        present = [name for name, _ in self.table if self.has(name)]
        absent = [name for name, _ in self.table if not self.has(name)]
        have = ", ".join(present) or "none of these"
        return f"{self.arch}: {have}" + (f"; no {', '.join(absent)}" if absent else "")

    def describe(self) -> str:
        """The model, core count and Python version, for the record."""
        return f"{self.model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def parse_cpuinfo(text: str, arch: str) -> CpuFeatures:
    """Features from the text of ``/proc/cpuinfo`` (x86's ``flags``, ARM's ``Features``)."""
    model, flags = "", set[str]()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("model name", "Model") and not model:
            model = value.strip()
        elif key in ("flags", "Features"):
            flags.update(value.split())
    return CpuFeatures(model or platform.processor() or arch, arch, frozenset(flags))


ARM_HWCAPS = (
    ("asimd", 16, 1 << 1),
    ("asimdhp", 16, 1 << 10),
    ("asimddp", 16, 1 << 20),
    ("i8mm", 26, 1 << 13),
    ("bf16", 26, 1 << 14),
)
"""(flag, getauxval type: AT_HWCAP 16 or AT_HWCAP2 26, bit) of Linux's arm64 hwcaps."""


def arm_hwcaps() -> frozenset[str]:
    """The ARM_FEATURES flags the kernel reports for this process (``getauxval``), which is
    what the CPU runs: under qemu-user ``/proc/cpuinfo`` is the x86 host's."""
    import ctypes

    try:
        getauxval = ctypes.CDLL(None).getauxval
    except (OSError, AttributeError):
        return frozenset()
    getauxval.restype = ctypes.c_ulong
    getauxval.argtypes = (ctypes.c_ulong,)
    return frozenset(flag for flag, kind, bit in ARM_HWCAPS if getauxval(kind) & bit)


@cache
def cpu_features() -> CpuFeatures:
    """This machine's CPU; no flags where ``/proc/cpuinfo`` cannot be read (not Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    found = parse_cpuinfo(text, platform.machine())
    if found.table is ARM_FEATURES:
        return CpuFeatures(found.model, found.arch, found.flags | arm_hwcaps())
    return found
