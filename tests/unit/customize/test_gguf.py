"""GGUF conversion: the command lines the cloud build renders, and the checksum/artifact plumbing.

The real converter and llama-quantize run in `make test-customize`; here stand-in tools (small
shell scripts) exercise how fmkit calls them and what it does with their output.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest

from fmkit.customize.gguf import (
    CONVERTER_REQUIREMENTS,
    GgufError,
    LlamaCppTools,
    checksum_command,
    conversion_script,
    convert,
    convert_command,
    install_command,
    quantize,
    quantize_command,
    write_checksum,
)

ROOT = Path(__file__).resolve().parents[3]
TOOLS = LlamaCppTools(quantize=Path("/opt/llama/bin/llama-quantize"),
                      converter=Path("/opt/llama/share/llama.cpp/convert_hf_to_gguf.py"))


def test_command_lines() -> None:
    assert convert_command(TOOLS, Path("/m/merged"), Path("/o/x.f16.gguf")) == [
        "python3", "/opt/llama/share/llama.cpp/convert_hf_to_gguf.py", "/m/merged",
        "--outfile", "/o/x.f16.gguf", "--outtype", "f16"]
    assert quantize_command(TOOLS, Path("/o/x.f16.gguf"), Path("/o/x.Q4_0.gguf"), "Q4_0", threads=4) == [
        "/opt/llama/bin/llama-quantize", "/o/x.f16.gguf", "/o/x.Q4_0.gguf", "Q4_0", "4"]
    assert checksum_command(Path("/o/my model.gguf")) == "(cd /o && sha256sum 'my model.gguf' > 'my model.gguf.sha256')"
    with pytest.raises(ValueError, match="outtype must be one of"):
        convert_command(TOOLS, Path("/m"), Path("/o"), "q4_0")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="quant_type must be one of"):
        quantize_command(TOOLS, Path("/a"), Path("/b"), "Q3_K_S")  # type: ignore[arg-type]


def test_conversion_script_for_the_build_host() -> None:
    lines = conversion_script(TOOLS, Path("/work/merged"), Path("/work/out"), "acme-chat",
                              quant_types=("Q8_0", "Q4_0"))
    assert lines == [
        "python3 /opt/llama/share/llama.cpp/convert_hf_to_gguf.py /work/merged --outfile /work/out/acme-chat.f16.gguf"
        " --outtype f16",
        "(cd /work/out && sha256sum acme-chat.f16.gguf > acme-chat.f16.gguf.sha256)",
        "/opt/llama/bin/llama-quantize /work/out/acme-chat.f16.gguf /work/out/acme-chat.Q8_0.gguf Q8_0",
        "(cd /work/out && sha256sum acme-chat.Q8_0.gguf > acme-chat.Q8_0.gguf.sha256)",
        "/opt/llama/bin/llama-quantize /work/out/acme-chat.f16.gguf /work/out/acme-chat.Q4_0.gguf Q4_0",
        "(cd /work/out && sha256sum acme-chat.Q4_0.gguf > acme-chat.Q4_0.gguf.sha256)",
    ]


def test_converter_requirements_match_the_customize_extra() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["customize"]
    assert set(CONVERTER_REQUIREMENTS) <= set(extra)
    assert install_command()[:5] == ["python3", "-m", "pip", "install", "--no-cache-dir"]


def test_checksum_file_is_what_sha256sum_checks(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + bytes(range(200)))
    artifact = write_checksum(model, "Q4_0")
    assert artifact.size_bytes == 204 and artifact.kind == "Q4_0"
    assert artifact.checksum_path.read_text() == f"{artifact.sha256}  m.gguf\n"
    subprocess.run(["sha256sum", "--check", "--status", "m.gguf.sha256"], cwd=tmp_path, check=True)
    assert artifact.to_dict()["sha256"] == artifact.sha256


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.gguf").write_bytes(b"<html>")
    with pytest.raises(GgufError, match="not a GGUF file"):
        write_checksum(tmp_path / "x.gguf", "f16")


def fake_tools(tmp_path: Path, *, quantize_exit: int = 0) -> LlamaCppTools:
    """A llama_build.sh layout whose tools copy input to output (and can fail on purpose)."""
    bin_dir, share = tmp_path / "llama" / "bin", tmp_path / "llama" / "share" / "llama.cpp"
    (share / "conversion").mkdir(parents=True)
    (share / "conversion" / "__init__.py").write_text("")
    (share / "gguf-py" / "gguf").mkdir(parents=True)
    bin_dir.mkdir(parents=True)
    (share / "convert_hf_to_gguf.py").write_text(
        "import sys; out = sys.argv[sys.argv.index('--outfile') + 1]; open(out, 'wb').write(b'GGUF' + b'f' * 96)\n")
    quantizer = bin_dir / "llama-quantize"
    quantizer.write_text(f"#!/bin/sh\necho 'quantizing' >&2\nhead -c 40 \"$1\" > \"$2\"\nexit {quantize_exit}\n")
    quantizer.chmod(0o755)
    (bin_dir / "llama-server").write_text("")
    return LlamaCppTools.from_server_binary(bin_dir / "llama-server", python="python3")


def test_convert_then_quantize_with_stand_in_tools(tmp_path: Path) -> None:
    tools = fake_tools(tmp_path)
    model = tmp_path / "merged"
    model.mkdir()
    (model / "config.json").write_text("{}")
    f16 = convert(tools, model, tmp_path / "out" / "m.f16.gguf")
    q4 = quantize(tools, f16.path, tmp_path / "out" / "m.Q4_0.gguf", "Q4_0")
    assert (f16.size_bytes, q4.size_bytes) == (100, 40)
    assert q4.checksum_path.is_file() and q4.kind == "Q4_0" and f16.kind == "f16"


def test_a_failing_tool_raises_with_its_output(tmp_path: Path) -> None:
    tools = fake_tools(tmp_path, quantize_exit=3)
    source = tmp_path / "m.f16.gguf"
    source.write_bytes(b"GGUF" + b"x" * 60)
    with pytest.raises(GgufError, match=r"llama-quantize failed \(exit 3\)(.|\n)*quantizing"):
        quantize(tools, source, tmp_path / "m.Q4_0.gguf", "Q4_0")


def test_a_model_directory_is_required(tmp_path: Path) -> None:
    with pytest.raises(GgufError, match=r"no config\.json"):
        convert(fake_tools(tmp_path), tmp_path, tmp_path / "x.gguf")


def test_incomplete_tools_are_named(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "llama-quantize").write_text("")
    with pytest.raises(GgufError, match=r"convert_hf_to_gguf\.py.*conversion/__init__\.py.*llama_build\.sh"):
        LlamaCppTools.from_install(tmp_path)
