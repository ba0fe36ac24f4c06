"""Merged Hugging Face model → GGUF → quantized GGUF, with llama.cpp's own tools, each with a sha256.

Graviton endpoints serve GGUF files with llama-server. The conversion uses the tools of the same
pinned llama.cpp tree the server is built from (`stacks/graviton/llama_build.sh` installs
`bin/llama-quantize` and `share/llama.cpp/{convert_hf_to_gguf.py,conversion/,gguf-py/}`), so the
file format always matches the server that loads it:

1. `convert_hf_to_gguf.py MODEL_DIR --outfile F16.gguf --outtype f16` (Python: it imports torch,
   transformers, numpy, sentencepiece and its own `gguf-py`),
2. `llama-quantize F16.gguf Q.gguf Q4_0` (Q8_0, Q4_K_M, …),
3. `sha256sum` of each file into `<file>.sha256`, which the serving side pins and verifies.

The command lines are plain functions (`convert_command`, `quantize_command`, `checksum_command`,
`conversion_script`) so the cloud build (a CodeBuild job on arm64) renders exactly what the
local end-to-end test runs. Torch-free: the heavy work happens in the child processes.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

OutType = Literal["f32", "f16", "bf16", "q8_0"]
QuantType = Literal["Q8_0", "Q6_K", "Q5_K_M", "Q5_0", "Q4_K_M", "Q4_1", "Q4_0"]
OUT_TYPES: tuple[OutType, ...] = ("f32", "f16", "bf16", "q8_0")
QUANT_TYPES: tuple[QuantType, ...] = ("Q8_0", "Q6_K", "Q5_K_M", "Q5_0", "Q4_K_M", "Q4_1", "Q4_0")
GGUF_MAGIC = b"GGUF"
# What convert_hf_to_gguf.py imports, pinned like the `customize` extra in pyproject.toml (a test
# keeps the two equal), for the cloud build's `pip install` (arm64 wheels of torch are CPU builds).
CONVERTER_REQUIREMENTS = (
    "torch==2.13.0",
    "transformers==5.3.0",
    "sentencepiece==0.2.1",
    "safetensors==0.7.0",
    "numpy>=2.2.6",
    "protobuf>=4.21",
    "tqdm>=4.27",
    "pyyaml>=5.1",
    "requests>=2.25",
)


class GgufError(RuntimeError):
    """A conversion step failed or a tool is missing (the message has the tool's last output)."""


@dataclass(frozen=True)
class LlamaCppTools:
    """Where llama.cpp's conversion tools are, and the Python that runs the converter."""

    quantize: Path
    converter: Path
    python: str = "python3"

    @classmethod
    def from_install(cls, root: Path, python: str = "python3") -> LlamaCppTools:
        """Tools from a `llama_build.sh` output directory (`bin/`, `share/llama.cpp/`)."""
        tools = cls(quantize=root / "bin" / "llama-quantize",
                    converter=root / "share" / "llama.cpp" / "convert_hf_to_gguf.py", python=python)
        missing = [str(p) for p in tools.required_files() if not p.exists()]
        if missing:
            raise GgufError(f"llama.cpp tools incomplete under {root}: missing {', '.join(missing)} "
                            "(rebuild with stacks/graviton/llama_build.sh)")
        return tools

    @classmethod
    def from_server_binary(cls, llama_server: Path, python: str = "python3") -> LlamaCppTools:
        """Tools installed beside a `bin/llama-server` (the layout `make test-serving` caches)."""
        return cls.from_install(llama_server.resolve().parent.parent, python)

    def required_files(self) -> list[Path]:
        share = self.converter.parent
        return [self.quantize, self.converter, share / "conversion" / "__init__.py", share / "gguf-py" / "gguf"]


@dataclass(frozen=True)
class GgufArtifact:
    """One GGUF file and its checksum file (`sha256sum` format: `<hex>  <name>`)."""

    path: Path
    size_bytes: int
    sha256: str
    checksum_path: Path
    kind: str  # the converter's outtype (f16, …) or the quantization type (Q4_0, …)

    def to_dict(self) -> dict[str, str | int]:
        return {"path": str(self.path), "size_bytes": self.size_bytes, "sha256": self.sha256,
                "checksum_path": str(self.checksum_path), "kind": self.kind}


def convert_command(tools: LlamaCppTools, model_dir: Path, outfile: Path, outtype: OutType = "f16") -> list[str]:
    if outtype not in OUT_TYPES:
        raise ValueError(f"outtype must be one of {', '.join(OUT_TYPES)}, not {outtype!r}")
    return [tools.python, str(tools.converter), str(model_dir), "--outfile", str(outfile), "--outtype", outtype]


def quantize_command(tools: LlamaCppTools, source: Path, outfile: Path, quant_type: QuantType,
                     threads: int | None = None) -> list[str]:
    if quant_type not in QUANT_TYPES:
        raise ValueError(f"quant_type must be one of {', '.join(QUANT_TYPES)}, not {quant_type!r}")
    command = [str(tools.quantize), str(source), str(outfile), quant_type]
    return [*command, str(threads)] if threads else command


def checksum_command(path: Path) -> str:
    """The shell line that writes `<file>.sha256` (run in the file's directory, so the name is relative)."""
    name = shlex.quote(path.name)
    return f"(cd {shlex.quote(str(path.parent))} && sha256sum {name} > {shlex.quote(path.name + '.sha256')})"


def install_command(python: str = "python3") -> list[str]:
    """`pip install` of what the converter imports (for a build host that has only Python)."""
    return [python, "-m", "pip", "install", "--no-cache-dir", *CONVERTER_REQUIREMENTS]


def artifact_names(stem: str, outtype: OutType, quant_types: Sequence[QuantType]) -> tuple[str, list[str]]:
    """File names: `<stem>.<outtype>.gguf` and `<stem>.<QUANT>.gguf` per quantization."""
    return f"{stem}.{outtype}.gguf", [f"{stem}.{q}.gguf" for q in quant_types]


def conversion_script(tools: LlamaCppTools, model_dir: Path, out_dir: Path, stem: str, *,
                      outtype: OutType = "f16", quant_types: Sequence[QuantType] = ("Q4_0",)) -> list[str]:
    """Shell lines for a build host: convert, quantize each type, write every checksum."""
    base_name, quant_names = artifact_names(stem, outtype, quant_types)
    base = out_dir / base_name
    lines = [shlex.join(convert_command(tools, model_dir, base, outtype)), checksum_command(base)]
    for quant_type, name in zip(quant_types, quant_names, strict=True):
        lines += [shlex.join(quantize_command(tools, base, out_dir / name, quant_type)),
                  checksum_command(out_dir / name)]
    return lines


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write_checksum(path: Path, kind: str) -> GgufArtifact:
    """Check the GGUF magic, write `<file>.sha256` as `sha256sum` would, return the artifact."""
    with path.open("rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise GgufError(f"{path} is not a GGUF file (no GGUF magic bytes)")
    digest = sha256_file(path)
    checksum_path = path.with_name(path.name + ".sha256")
    checksum_path.write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return GgufArtifact(path=path, size_bytes=path.stat().st_size, sha256=digest, checksum_path=checksum_path,
                        kind=kind)


def _run(command: Sequence[str], what: str) -> None:
    # No network for the converter: everything it needs is in the model directory.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(list(command), capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise GgufError(f"{what} failed (exit {result.returncode}): {shlex.join(command)}\n{tail}")


def convert(tools: LlamaCppTools, model_dir: Path, outfile: Path, outtype: OutType = "f16") -> GgufArtifact:
    """Convert a merged Hugging Face model directory to one GGUF file (and its checksum)."""
    if not (model_dir / "config.json").is_file():
        raise GgufError(f"{model_dir} is not a Hugging Face model directory (no config.json)")
    outfile.parent.mkdir(parents=True, exist_ok=True)
    _run(convert_command(tools, model_dir, outfile, outtype), "convert_hf_to_gguf.py")
    return write_checksum(outfile, outtype)


def quantize(tools: LlamaCppTools, source: Path, outfile: Path, quant_type: QuantType,
             threads: int | None = None) -> GgufArtifact:
    """Quantize a GGUF (F16/F32 for best quality) to `quant_type` (and write its checksum)."""
    outfile.parent.mkdir(parents=True, exist_ok=True)
    _run(quantize_command(tools, source, outfile, quant_type, threads), "llama-quantize")
    return write_checksum(outfile, quant_type)
