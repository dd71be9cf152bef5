"""Precision that means what it says on every CPU: the CPU's features as read, each backend
pinning the precision it is asked for, bf16 only where the CPU has it."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

from edge.errors import MissingResourceError
from edge.pose.base import InputSize
from edge.pose.cpu import CpuFeatures, cpu_features, parse_cpuinfo
from edge.pose.factory import open_estimator
from edge.pose.models import edge_model
from edge.pose.openvino_backend import runs_bf16

SIZE = InputSize(320, 256)

XEON_AMX = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
flags\t\t: fpu sse2 avx avx2 avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8 avx_vnni
"""
EPYC = """processor\t: 0
model name\t: AMD EPYC
flags\t\t: fpu sse2 avx avx2 fma f16c
"""
PI5_FEATURES = "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm "
PI5 = f"processor\t: 0\nFeatures\t: {PI5_FEATURES}lrcpc dcpop asimddp\nCPU implementer\t: 0x41\n"


def test_an_intel_cpu_with_amx_has_bf16_and_vnni() -> None:
    cpu = parse_cpuinfo(XEON_AMX, "x86_64")
    assert cpu.model.startswith("Intel(R) Xeon(R) Platinum 8481C")
    assert cpu.bf16 and cpu.has("AMX") and cpu.has("AVX512-BF16") and cpu.has("VNNI")
    assert cpu.summary() == "x86_64: AMX, AVX512-BF16, VNNI, AVX512, AVX2"


def test_an_amd_epyc_without_avx512_has_no_bf16() -> None:
    cpu = parse_cpuinfo(EPYC, "x86_64")
    assert cpu.model == "AMD EPYC" and not cpu.bf16
    assert cpu.summary() == "x86_64: AVX2; no AMX, AVX512-BF16, VNNI, AVX512"


def test_a_raspberry_pi_5_has_neon_and_fp16_but_no_bf16() -> None:
    cpu = parse_cpuinfo(PI5, "aarch64")
    assert cpu.has("NEON") and cpu.has("FP16") and cpu.has("DOTPROD") and not cpu.bf16
    assert cpu.summary() == "aarch64: NEON, FP16, DOTPROD; no BF16, I8MM"


def test_arm_features_come_from_the_kernels_hwcaps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under qemu-user /proc/cpuinfo is the host's; the hwcaps are the emulated CPU's."""
    import ctypes

    from edge.pose import cpu

    pi5 = {16: (1 << 1) | (1 << 10) | (1 << 20), 26: 0}

    class Getauxval:
        restype = argtypes = None

        def __call__(self, kind: int) -> int:
            return pi5[kind]

    class Libc:
        getauxval = Getauxval()

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Libc())
    monkeypatch.setattr(cpu.platform, "machine", lambda: "aarch64")
    monkeypatch.setattr(cpu.Path, "read_text", lambda *a, **k: EPYC)
    cpu.cpu_features.cache_clear()
    try:
        emulated = cpu.cpu_features()
    finally:
        cpu.cpu_features.cache_clear()
    assert emulated.summary() == "aarch64: NEON, FP16, DOTPROD; no BF16, I8MM"


def test_this_machine_is_read_and_unreadable_cpuinfo_gives_no_features() -> None:
    assert isinstance(cpu_features(), CpuFeatures) and cpu_features().summary()
    bare = parse_cpuinfo("", "x86_64")
    assert not bare.flags and not bare.bf16 and "no AMX" in bare.summary()


# --- the real runtimes -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openvino_export(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("openvino")
    from edge.pose.runtime import prepare_ultralytics

    prepare_ultralytics(tmp_path_factory.mktemp("ultralytics-data"))
    return edge_model(model_path, "openvino", SIZE)


@pytest.fixture
def compile_configs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """The config of every OpenVINO compile during the test, as the caller gave it."""
    ov = pytest.importorskip("openvino")
    real = ov.Core.compile_model
    configs: list[dict[str, object]] = []

    def spy(self, model, device_name="CPU", config=None):
        configs.append(dict(config or {}))
        return real(self, model, device_name, config or {})

    monkeypatch.setattr(ov.Core, "compile_model", spy)
    return configs


@pytest.mark.slow
def test_openvino_fp32_asks_for_f32_itself_and_says_what_ran(
    openvino_export: Path, compile_configs: list[dict[str, object]], caplog
) -> None:
    """The pin is in our compile call, not left to the CPU's default (bf16 with AMX)."""
    from edge.pose.openvino_backend import OpenVinoPose

    with caplog.at_level(logging.INFO, logger="edge.pose.lean"):
        pose = OpenVinoPose(openvino_export, SIZE, 0.25, 1, precision="fp32")
    assert [c.get("INFERENCE_PRECISION_HINT") for c in compile_configs] == ["f32"]
    assert pose.precision == "fp32"
    assert f"openvino runs {openvino_export.name} at fp32 on {cpu_features().arch}:" in caplog.text


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("openvino") is not None and runs_bf16(),
    reason="this CPU runs bf16 (AMX or AVX512-BF16)",
)
def test_bf16_on_a_cpu_without_it_exits_3_and_names_the_cpu(openvino_export: Path) -> None:
    """OpenVINO itself would compile silently at f32; the station says so instead."""
    from edge.pose.openvino_backend import OpenVinoPose

    with pytest.raises(MissingResourceError) as caught:
        OpenVinoPose(openvino_export, SIZE, 0.25, 1, precision="bf16")
    assert caught.value.exit_code == 3
    message = str(caught.value)
    assert f"this CPU ({cpu_features().model}) has neither AMX nor AVX512-BF16" in message
    assert 'set pose.precision = "int8" (the default) or "fp32"' in message


@pytest.mark.slow
def test_ncnn_stores_and_computes_in_fp32(model_path: Path, tmp_path_factory) -> None:
    """NCNN's defaults store and compute in fp16 on ARM CPUs with FP16 (the Pi 5)."""
    pytest.importorskip("ncnn")
    from edge.pose.runtime import prepare_ultralytics

    prepare_ultralytics(tmp_path_factory.mktemp("ultralytics-data"))
    edge_model(model_path, "ncnn", SIZE)
    pose = open_estimator("ncnn", model_path, SIZE, 0.25, threads=1, precision="fp32")
    opt = pose._net.opt  # type: ignore[attr-defined]
    assert not (opt.use_fp16_storage or opt.use_fp16_arithmetic or opt.use_fp16_packed)
    assert not opt.use_bf16_storage and pose.precision == "fp32"
    pose.close()


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("openvino") is not None and runs_bf16(),
    reason="this CPU runs bf16 (AMX or AVX512-BF16)",
)
def test_bench_at_bf16_on_a_cpu_without_it_exits_3_before_measuring(
    openvino_export: Path, model_path: Path, tmp_path: Path, capsys
) -> None:
    from edge.cli import main

    config = tmp_path / "config.toml"
    config.write_text(
        f'[station]\ndata_dir = "{tmp_path / "data"}"\n[pose]\nmodel = "{model_path}"\n',
        encoding="utf-8",
    )
    args = ["bench", "--config", str(config), "--backend", "openvino", "--precision", "bf16"]
    assert main(args) == 3
    captured = capsys.readouterr()
    assert "has neither AMX nor AVX512-BF16" in captured.err and "fps" not in captured.out
