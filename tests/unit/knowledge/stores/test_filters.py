"""`QueryFilters` rendered for each store from one list of conditions."""

from __future__ import annotations

from fmkit.knowledge.models import QueryFilters
from fmkit.knowledge.stores.filters import conditions, opensearch_filter, s3_vectors_filter, sql_where

FULL = QueryFilters(bucket="kb-docs", keys=["a.md", "b.md"], key_prefix="hr_docs/", doc_types=["md"])


def test_no_filter_means_chunks_only() -> None:
    assert s3_vectors_filter(None) == {"kind": {"$eq": "chunk"}}
    assert opensearch_filter(None) == [{"term": {"kind": "chunk"}}]
    assert sql_where(None) == ("", [])


def test_every_filter_in_a_fixed_order() -> None:
    assert [c.field for c in conditions(FULL)] == ["kind", "bucket", "key", "key_prefixes", "doc_type"]
    assert s3_vectors_filter(FULL) == {"$and": [
        {"kind": {"$eq": "chunk"}}, {"bucket": {"$eq": "kb-docs"}}, {"key": {"$in": ["a.md", "b.md"]}},
        {"key_prefixes": {"$eq": "hr_docs/"}}, {"doc_type": {"$in": ["md"]}}]}
    assert opensearch_filter(FULL) == [
        {"term": {"kind": "chunk"}}, {"term": {"bucket": "kb-docs"}}, {"terms": {"key": ["a.md", "b.md"]}},
        {"term": {"key_prefixes": "hr_docs/"}}, {"terms": {"doc_type": ["md"]}}]


def test_sql_matches_prefixes_with_an_escaped_like() -> None:
    clause, params = sql_where(FULL)
    assert clause == "WHERE bucket = %s AND key = ANY(%s) AND key LIKE %s AND doc_type = ANY(%s)"
    assert params == ["kb-docs", ["a.md", "b.md"], "hr\\_docs/%", ["md"]]
