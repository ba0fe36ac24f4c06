"""`QueryFilters` as a list of conditions, built once and rendered in each store's syntax.

A condition is "metadata field equals one value" or "field is any of these values"; the
stores differ only in how they spell it (S3 Vectors' `$eq`/`$in`, OpenSearch's
`term`/`terms`, SQL). Folder prefixes are matched through the `key_prefixes` metadata
list in the metadata stores and with `LIKE` on the key in PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import QueryFilters


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    values: tuple[str, ...]
    any_of: bool = False
    """`True`: the field matches any of `values`; `False`: it equals `values[0]`."""


def conditions(filters: QueryFilters | None) -> list[Condition]:
    """Chunks only, then every filter that is set, in a fixed order (combined with AND)."""
    found = [Condition("kind", ("chunk",))]
    if filters is None:
        return found
    if filters.bucket:
        found.append(Condition("bucket", (filters.bucket,)))
    if filters.keys:
        found.append(Condition("key", tuple(filters.keys), any_of=True))
    if filters.key_prefix:
        found.append(Condition("key_prefixes", (filters.key_prefix,)))
    if filters.doc_types:
        found.append(Condition("doc_type", tuple(filters.doc_types), any_of=True))
    return found


def s3_vectors_filter(filters: QueryFilters | None) -> dict[str, Any]:
    """S3 Vectors' metadata filter document."""
    rendered = [{c.field: {"$in": list(c.values)} if c.any_of else {"$eq": c.values[0]}} for c in conditions(filters)]
    return rendered[0] if len(rendered) == 1 else {"$and": rendered}


def opensearch_filter(filters: QueryFilters | None) -> list[dict[str, Any]]:
    """OpenSearch `bool.filter` clauses."""
    return [{"terms": {c.field: list(c.values)}} if c.any_of else {"term": {c.field: c.values[0]}}
            for c in conditions(filters)]


def sql_where(filters: QueryFilters | None) -> tuple[str, list[Any]]:
    """A `WHERE` clause over the pgvector chunks table (which holds chunks only) and its parameters."""
    where: list[str] = []
    params: list[Any] = []
    for condition in conditions(filters)[1:]:
        if condition.field == "key_prefixes":
            prefix = condition.values[0]
            where.append("key LIKE %s")
            params.append(prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        elif condition.any_of:
            where.append(f"{condition.field} = ANY(%s)")
            params.append(list(condition.values))
        else:
            where.append(f"{condition.field} = %s")
            params.append(condition.values[0])
    return ("WHERE " + " AND ".join(where)) if where else "", params
