"""Where the ingestion logic reads documents from: an `ObjectSource`.

`S3ObjectSource` reads exact versions from S3 (the functions); `FolderSource` reads a local
folder as if it were a bucket (local runs and a retrieval evaluation in the CLI), so both go
through the same parse/chunk/embed/upsert path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from .errors import UnparseableDocument


class ObjectGone(Exception):
    """The object (or that version of it) no longer exists."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    version_id: str | None
    last_modified: datetime
    size: int


@dataclass(frozen=True, slots=True)
class FetchedObject:
    info: ObjectInfo
    data: bytes


class ObjectSource(Protocol):
    """Where documents come from: S3 in the functions, a folder in local runs."""

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo | None: ...

    def fetch(self, bucket: str, key: str, version_id: str | None, max_bytes: int) -> FetchedObject: ...


def too_large(size: int, max_bytes: int) -> UnparseableDocument:
    return UnparseableDocument(
        f"object too large: {size} bytes > MAX_OBJECT_BYTES={max_bytes}; "
        "raise MAX_OBJECT_BYTES (and the function's memory) or split the document"
    )


class S3ObjectSource:
    """Versioned reads from S3; never downloads more than `max_bytes` (+1) bytes."""

    MISSING = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound", "MethodNotAllowed", "405"})

    def __init__(self, client: Any | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.client = client

    def _missing(self, exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in self.MISSING

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo | None:
        from botocore.exceptions import ClientError

        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self.client.head_object(**kwargs)
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise
        return ObjectInfo(
            version_id=response.get("VersionId") or None,
            last_modified=response["LastModified"],
            size=int(response.get("ContentLength", 0)),
        )

    def fetch(self, bucket: str, key: str, version_id: str | None, max_bytes: int) -> FetchedObject:
        from botocore.exceptions import ClientError

        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self.client.get_object(**kwargs)
        except ClientError as exc:
            if self._missing(exc):
                raise ObjectGone(f"s3://{bucket}/{key} version {version_id} no longer exists") from exc
            raise
        body = response["Body"]
        size = int(response.get("ContentLength", 0))
        try:
            if size > max_bytes:
                raise too_large(size, max_bytes)
            data = body.read(max_bytes + 1)
        finally:
            body.close()
        if len(data) > max_bytes:
            raise too_large(len(data), max_bytes)
        info = ObjectInfo(
            version_id=response.get("VersionId") or version_id,
            last_modified=response["LastModified"],
            size=len(data),
        )
        return FetchedObject(info=info, data=data)


class FolderSource:
    """A local folder as a bucket: keys are paths relative to `root` (`/`-separated), and a file's
    version id is its modification time and size, so an unchanged file is skipped on re-runs."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ObjectGone(f"{key!r} is outside {self.root}")
        return path

    def object_keys(self) -> list[str]:
        """Every file under the folder, sorted (hidden files and folders skipped)."""
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(self.root).parts)
        )

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo | None:
        try:
            stat = self._path(key).stat()
        except (FileNotFoundError, ObjectGone):
            return None
        return ObjectInfo(version_id=f"{stat.st_mtime_ns:x}-{stat.st_size:x}",
                          last_modified=datetime.fromtimestamp(stat.st_mtime, UTC), size=stat.st_size)

    def fetch(self, bucket: str, key: str, version_id: str | None, max_bytes: int) -> FetchedObject:
        info = self.head(bucket, key)
        if info is None:
            raise ObjectGone(f"{self.root / key} no longer exists")
        if info.size > max_bytes:
            raise too_large(info.size, max_bytes)
        return FetchedObject(info=info, data=self._path(key).read_bytes())
