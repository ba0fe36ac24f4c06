"""Lambda assets built once per content, outside `cdk.out`: each function's code, and its dependencies as layers.

Synthesis used to copy every function's wheels into each fresh output directory (a quarter of a
gigabyte for the default config). Now:

- **Code bundle**: `lambda/<entry>/` (without tests, requirements, README), the shared `lambda/`
  folders and the repo packages a function ships (`fmkit.knowledge`, ...). Its hash is the sha256 of
  every file's path and bytes, the runtime's Python version and `BUNDLE_FORMAT`.
- **Dependency layers**: `lambda/<entry>/requirements.lock` pins every distribution with its
  sha256 hashes; `make lambda-deps` installs each pinned distribution once into the distribution
  store (`build/lambda-deps/dists/<name>-<version>/`, pruned by `prune`), whichever functions pin
  it. A lock's distributions become layers: each distribution of `HEAVY_BYTES` or more alone, the
  others together. A layer's hash is that of its members' pins, so every function pinning the same
  numpy or psycopg-binary shares one layer, and a function's own asset holds only its code.
- **Cache**: `build/lambda-bundles/<hash>.zip`, a deterministic zip (sorted entries, fixed
  timestamps and modes) built on first use and reused by every later synth, whatever its output
  directory; CDK is given that file with its hash, so it neither bundles nor fingerprints it.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from stacks.common.lambda_layout import BUNDLE_ROOT, DIST_STORE, LAMBDA_ROOT, PYTHON_VERSION

BUNDLE_FORMAT = "2"
"""Part of every hash: change it when the layout of a bundle or the pruning rules change."""
HEAVY_BYTES = 10_000_000
"""A distribution this large (installed, pruned) ships as a layer of its own, shared more widely."""
CODE_IGNORE = ("__pycache__", "*.pyc", "tests", "requirements.txt", "requirements.lock", "README.md")
PRUNED_EVERYWHERE = ("__pycache__", "*.pyc", "*.pyi", "tests")
"""Never imported by a Lambda: bytecode caches (the runtime writes its own), type stubs, test suites."""
PRUNED = {
    "numpy": ("numpy/_core/include", "numpy/_core/lib", "numpy/random/lib", "numpy/_core/_*_tests.*.so",
              "numpy/_core/_*_tests.*.pyd", "numpy/f2py/src", "numpy/f2py/_backends/meson.build.template"),
    "nltk": ("nltk/test",),
}
"""Per distribution: C headers, static libraries and test extension modules (paths or globs)."""


class MissingLambdaDependencies(RuntimeError):
    pass


@dataclass(frozen=True)
class Pin:
    """One locked distribution: `name==version` and the sha256 hashes its files may have."""

    name: str
    version: str
    hashes: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version} " + " ".join(f"--hash={h}" for h in self.hashes)

    @property
    def store(self) -> Path:
        return DIST_STORE / self.key

    def stamp(self) -> dict[str, object]:
        return {"pin": self.requirement, "python": PYTHON_VERSION, "format": BUNDLE_FORMAT}

    def installed_bytes(self) -> int | None:
        """Size of the installed distribution, or None when the store does not hold this pin."""
        path = self.store / ".fmkit-dist.json"
        if not path.is_file():
            return None
        recorded = json.loads(path.read_text())
        return int(recorded["bytes"]) if {k: recorded.get(k) for k in self.stamp()} == self.stamp() else None


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> list[Pin]:
    """The pins of a `requirements.lock` (uv's `--generate-hashes` format; comments ignored)."""
    text = re.sub(r"\\\s*\n", " ", path.read_text(encoding="utf-8"))
    pins = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)((?:\s+--hash=\S+)+)$", line)
        if match is None:
            raise ValueError(f"{path}: not an exact, hashed pin: {line!r}")
        hashes = tuple(sorted(h.split("=", 1)[1] for h in match[3].split()))
        pins.append(Pin(normalized(match[1]), match[2], hashes))
    return sorted(pins, key=lambda p: p.name)


def lock_of(entry: str) -> Path | None:
    path = LAMBDA_ROOT / entry / "requirements.lock"
    return path if path.is_file() else None


# --------------------------------------------------------------------------- pruning (make lambda-deps)


def prune(root: Path, distribution: str) -> None:
    """Remove what a Lambda never imports from an installed distribution (`PRUNED_*`)."""
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        relative = path.relative_to(root).as_posix()
        if ".dist-info" in relative.split("/", 1)[0]:
            continue  # metadata (RECORD and all) stays
        if any(fnmatch.fnmatch(path.name, p) for p in PRUNED_EVERYWHERE) or any(
            relative == p or fnmatch.fnmatch(relative, p) for p in PRUNED.get(distribution, ())
        ):
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.name.startswith(".fmkit"))


# --------------------------------------------------------------------------- layers


@dataclass(frozen=True)
class Layer:
    """Distributions shipped together as one Lambda layer (`python/` in the zip)."""

    pins: tuple[Pin, ...]

    @property
    def hash(self) -> str:
        digest = hashlib.sha256(f"layer|{PYTHON_VERSION}|{BUNDLE_FORMAT}\n".encode())
        for pin in self.pins:
            digest.update(pin.requirement.encode() + b"\n")
        return digest.hexdigest()

    def description(self, prefix: str = "", limit: int = 256) -> str:
        """`prefix` and the pins, cut to `limit` characters (CloudFormation's limit for a layer)."""
        text = prefix + ", ".join(f"{p.name}=={p.version}" for p in self.pins)
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def bundle(self) -> Path:
        return cached_zip(self.hash, self._files)

    def _files(self) -> Iterator[tuple[Path, str]]:
        for pin in self.pins:
            for path in sorted(pin.store.rglob("*")):
                if path.is_file() and not path.name.startswith(".fmkit"):
                    yield path, "python/" + path.relative_to(pin.store).as_posix()


def layers_for(entry: str) -> list[Layer]:
    """The dependency layers of a function: its heavy distributions one by one, then the rest."""
    lock = lock_of(entry)
    if lock is None:
        return []
    pins = read_lock(lock)
    sizes = {pin: pin.installed_bytes() for pin in pins}
    missing = [pin.key for pin, size in sizes.items() if size is None]
    if missing:
        raise MissingLambdaDependencies(
            f"lambda/{entry}: {', '.join(missing)} not fetched: run `make lambda-deps` first")
    heavy = [Layer((pin,)) for pin in pins if (sizes[pin] or 0) >= HEAVY_BYTES]
    rest = tuple(pin for pin in pins if (sizes[pin] or 0) < HEAVY_BYTES)
    return heavy + ([Layer(rest)] if rest else [])


# --------------------------------------------------------------------------- code


def package_files(name: str) -> list[tuple[Path, str]]:
    """(file, path in the asset) of an importable pure-Python package or module and its parents'
    `__init__.py`, e.g. "fmkit.evaluate" (repo code shared with the CLI) or an sdist-only dependency."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"cannot bundle {name!r}: not importable at synth time")
    parts = name.split(".")
    origin = Path(spec.origin)
    root = origin.parents[len(parts)] if origin.name == "__init__.py" else origin.parents[len(parts) - 1]
    files = [origin] if origin.name != "__init__.py" else sorted(
        p for p in origin.parent.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    files += [root.joinpath(*parts[:depth], "__init__.py") for depth in range(1, len(parts))]
    return [(f, f.relative_to(root).as_posix()) for f in files if f.is_file()]


def _ignored(relative: Path) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in CODE_IGNORE)


def code_files(entry: str, shared: Iterable[str] = (), packages: Iterable[str] = ()) -> list[tuple[Path, str]]:
    """(file, path in the asset) of a function's code: its folder at the root, shared folders and
    repo packages by their import path. Later entries win (as the copies into one folder did)."""
    files: dict[str, Path] = {}
    root = LAMBDA_ROOT / entry
    for path in sorted(root.rglob("*")):
        if path.is_file() and not _ignored(path.relative_to(root)):
            files[path.relative_to(root).as_posix()] = path
    for folder in shared:
        for path in sorted((LAMBDA_ROOT / folder).rglob("*")):
            if path.is_file() and not _ignored(path.relative_to(LAMBDA_ROOT / folder)):
                files[f"{folder}/{path.relative_to(LAMBDA_ROOT / folder).as_posix()}"] = path
    for package in packages:
        for path, relative in package_files(package):
            files[relative] = path
    return [(path, relative) for relative, path in sorted(files.items())]


def code_hash(entry: str, shared: Iterable[str] = (), packages: Iterable[str] = ()) -> str:
    digest = hashlib.sha256(f"code|{PYTHON_VERSION}|{BUNDLE_FORMAT}\n".encode())
    for path, relative in code_files(entry, shared, packages):
        digest.update(relative.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def code_bundle(entry: str, shared: Iterable[str] = (), packages: Iterable[str] = ()) -> tuple[str, Path]:
    """(hash, zip) of a function's code, built on first use."""
    shared, packages = tuple(shared), tuple(packages)
    content = code_hash(entry, shared, packages)
    return content, cached_zip(content, lambda: iter(code_files(entry, shared, packages)))


# --------------------------------------------------------------------------- zips


def cached_zip(content_hash: str, files: Callable[[], Iterator[tuple[Path, str]]]) -> Path:
    """`build/lambda-bundles/<hash>.zip`, written once (atomically: concurrent synths may race)."""
    target = BUNDLE_ROOT / f"{content_hash}.zip"
    if target.is_file():
        return target
    BUNDLE_ROOT.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=BUNDLE_ROOT, prefix=".building-", suffix=".zip")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for path, name in sorted(files(), key=lambda item: item[1]):
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with path.open("rb") as source, archive.open(info, "w") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the cache is shared like build/
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target


def unzipped_bytes(bundle: Path) -> int:
    with zipfile.ZipFile(bundle) as archive:
        return sum(info.file_size for info in archive.infolist())
