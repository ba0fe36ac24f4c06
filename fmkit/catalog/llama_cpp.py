"""Pinned llama.cpp sources (a llama-cpp-python sdist by URL and sha256) the kit builds llama-server from."""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict, TypeAdapter

from fmkit.catalog.store import load_catalog


class LlamaCppBuild(BaseModel):
    """One pinned source: where to download it and the hash it must have."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    url: str
    sha256: str
    llama_cpp_commit: str
    llama_cpp_date: str
    server_flags_checked: str


_BUILDS: TypeAdapter[dict[str, dict[str, str]]] = TypeAdapter(dict[str, dict[str, str]])


@cache
def _builds() -> dict[str, LlamaCppBuild]:
    raw = _BUILDS.validate_python(load_catalog("llama_cpp.json")["builds"])
    return {version: LlamaCppBuild(version=version, **fields) for version, fields in raw.items()}


def default_llama_cpp_version() -> str:
    return str(load_catalog("llama_cpp.json")["default"])


def known_llama_cpp_versions() -> list[str]:
    return sorted(_builds())


def get_llama_cpp_build(version: str) -> LlamaCppBuild | None:
    return _builds().get(version)
