"""pgvector's binary `vector` format, so vectors travel as float4 bytes rather than text.

A 1024-d vector is 4 KB in binary and ~20 KB as a text literal the server re-parses;
`register_vector` teaches a psycopg connection both directions.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Sequence
from typing import Any


class PgVector:
    """A vector parameter for pgvector, sent in pgvector's binary format (see
    `vector_to_binary`) instead of a ~10-characters-per-float text literal."""

    __slots__ = ("values",)

    def __init__(self, values: Sequence[float]) -> None:
        self.values = values


_BIG_ENDIAN = sys.byteorder == "big"


def vector_to_binary(values: Sequence[float]) -> bytes:
    """pgvector's binary `vector` representation: int16 dimensions, int16 unused,
    then the float4 values, all big-endian (what `vector_send`/`vector_recv` use)."""
    floats = array("f", values)
    if not _BIG_ENDIAN:
        floats.byteswap()
    return struct.pack(">HH", len(floats), 0) + floats.tobytes()


def vector_from_binary(data: bytes | bytearray | memoryview) -> list[float]:
    dimensions, _ = struct.unpack_from(">HH", data)
    floats = array("f")
    floats.frombytes(bytes(data[4 : 4 + 4 * dimensions]))
    if not _BIG_ENDIAN:
        floats.byteswap()
    return floats.tolist()


def register_vector(conn: Any) -> bool:
    """Register binary adapters for pgvector's `vector` type on `conn`: `PgVector`
    parameters are dumped with `vector_to_binary`, `vector` columns fetched in binary
    mode load as `list[float]`. Returns `False` when the extension is not installed yet."""
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import Format
    from psycopg.types import TypeInfo

    info = TypeInfo.fetch(conn, "vector")
    if info is None:
        return False

    class VectorBinaryDumper(Dumper):
        format = Format.BINARY
        oid = info.oid

        def dump(self, obj: Any) -> bytes:
            return vector_to_binary(obj.values)

    class VectorBinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data: Any) -> list[float]:
            return vector_from_binary(data)

    info.register(conn)  # the name "vector" resolves for COPY's set_types
    conn.adapters.register_dumper(PgVector, VectorBinaryDumper)
    conn.adapters.register_loader(info.oid, VectorBinaryLoader)
    return True
