"""The training job's source code as SageMaker wants it: `sourcedir.tar.gz` with `train.py` at the top.

SageMaker's framework containers download the archive named by the `sagemaker_submit_directory`
hyperparameter into `/opt/ml/code`, `pip install -r requirements.txt` from its top, and run the
`sagemaker_program` (`train.py`) there. The archive holds:

- `train.py`: a three-line launcher calling `fmkit.customize.training.train.main`;
- `requirements.txt`: the pins beside the training code;
- `fmkit/customize/training/*.py`, with `fmkit/__init__.py` and `fmkit/customize/__init__.py`
  reduced to docstrings: the job imports the training code under its real module names and
  nothing else of fmkit.

The archive is byte-for-byte reproducible (sorted members, zero timestamps and owners), so its
sha256 — and a CDK asset hash built from it — changes only when the code does.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

TRAINING_DIR = Path(__file__).resolve().parent / "training"
ENTRY_POINT = "train.py"
REQUIREMENTS = "requirements.txt"
PACKAGE_PATH = "fmkit/customize/training"
LAUNCHER = (
    '"""Entry point of the fmkit training job (written by fmkit.customize.source_archive)."""\n'
    "from fmkit.customize.training.train import main\n"
    "\n"
    "raise SystemExit(main())\n"
)
_STUB = '"""Only the training code of fmkit is shipped to the training job."""\n'


@dataclass(frozen=True)
class SourceArchive:
    path: Path
    sha256: str
    entry_point: str
    members: tuple[str, ...]


def source_files() -> dict[str, bytes]:
    """Archive member name → content."""
    files = {
        ENTRY_POINT: LAUNCHER.encode("utf-8"),
        REQUIREMENTS: (TRAINING_DIR / REQUIREMENTS).read_bytes(),
        "fmkit/__init__.py": _STUB.encode("utf-8"),
        "fmkit/customize/__init__.py": _STUB.encode("utf-8"),
    }
    for module in sorted(TRAINING_DIR.glob("*.py")):
        files[f"{PACKAGE_PATH}/{module.name}"] = module.read_bytes()
    return files


def archive_bytes() -> bytes:
    """The gzipped tar, identical for identical sources."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, content in sorted(source_files().items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(content), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(content))
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()


def write_source_archive(path: Path) -> SourceArchive:
    """Write `sourcedir.tar.gz` (or any name) and return its sha256 and members."""
    data = archive_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return SourceArchive(path=path, sha256=hashlib.sha256(data).hexdigest(), entry_point=ENTRY_POINT,
                         members=tuple(sorted(source_files())))
