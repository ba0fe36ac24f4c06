"""Which retrieved chunks are relevant, and the ranking metrics computed from that.

**Relevance.** An item names its targets: expected passages, else expected sources.

- a chunk *covers a passage* when at least `passage_overlap` (default 0.8) of the passage's
  distinct words appear in the chunk (case and punctuation ignored). A chunk that contains the
  whole passage covers it; a chunk that holds only half of it does not, which is what makes
  small chunk sizes pay for cutting evidence in two;
- a chunk *comes from a source* when its key equals the expected key, its source key
  (`s3://bucket/key`) equals it, or the expected value is a folder (`hr/`) holding the key.

With passages, a chunk is relevant when it covers one of them (and, if the item also names
sources, comes from one of them); with sources only, when it comes from one of them.

**Metrics** over the top `k` (every one in [0, 1], higher is better), averaged over items:

- `hit_rate` — 1 when any of the top k is relevant (hit@k);
- `mrr` — 1 / rank of the first relevant chunk, 0 when none (MRR@k);
- `context_precision` — relevant chunks / chunks returned (precision@k; 0 when nothing came back);
- `context_recall` — targets covered by the top k / targets (recall@k).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fmkit.knowledge.models import QueryHit

from .dataset import RetrievalItem

DEFAULT_PASSAGE_OVERLAP = 0.8
QUALITY_METRICS = ("hit_rate", "mrr", "context_precision", "context_recall")
LATENCY_METRICS = ("latency_p50_s", "latency_p95_s")

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


def covers(chunk_text: str, passage: str, overlap: float = DEFAULT_PASSAGE_OVERLAP) -> bool:
    """Whether `chunk_text` holds at least `overlap` of the passage's distinct words."""
    wanted = words(passage)
    if not wanted:
        return False
    return len(wanted & words(chunk_text)) / len(wanted) >= overlap


def from_source(hit: QueryHit, expected: str) -> bool:
    if expected.endswith("/"):
        return hit.key.startswith(expected) or hit.source_key.startswith(expected)
    return expected in (hit.key, hit.source_key)


@dataclass(frozen=True)
class Judged:
    """A retrieved chunk with the targets it covers (indexes into the item's target list)."""

    hit: QueryHit
    covered: frozenset[int]

    @property
    def relevant(self) -> bool:
        return bool(self.covered)


def targets_of(item: RetrievalItem) -> tuple[str, ...]:
    """What recall counts: the expected passages, else the expected sources."""
    return item.expected_passages or item.expected_sources


def judge(item: RetrievalItem, hits: Sequence[QueryHit], overlap: float = DEFAULT_PASSAGE_OVERLAP) -> list[Judged]:
    """Each hit with the targets it covers (see the module docstring for the rules)."""
    judged = []
    for hit in hits:
        if item.expected_passages:
            allowed = not item.expected_sources or any(from_source(hit, s) for s in item.expected_sources)
            covered = {i for i, p in enumerate(item.expected_passages) if allowed and covers(hit.text, p, overlap)}
        else:
            covered = {i for i, s in enumerate(item.expected_sources) if from_source(hit, s)}
        judged.append(Judged(hit=hit, covered=frozenset(covered)))
    return judged


@dataclass(frozen=True)
class ItemScores:
    hit_rate: float
    mrr: float
    context_precision: float
    context_recall: float

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in QUALITY_METRICS}


def score(judged: Sequence[Judged], n_targets: int, k: int) -> ItemScores:
    """The four ranking metrics of one item's top `k` (hand-checkable: see the module docstring)."""
    top = list(judged)[:k]
    first = next((rank for rank, j in enumerate(top, start=1) if j.relevant), None)
    relevant = sum(1 for j in top if j.relevant)
    covered = set().union(*(j.covered for j in top)) if top else set()
    return ItemScores(
        hit_rate=1.0 if first is not None else 0.0,
        mrr=1.0 / first if first is not None else 0.0,
        context_precision=relevant / len(top) if top else 0.0,
        context_recall=len(covered) / n_targets if n_targets else 0.0,
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method) without numpy."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
