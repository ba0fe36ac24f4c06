"""Ask every question of one retriever, judge the hits, and keep the evidence.

A *run* is one retriever (the deployed URL, or one local chunking/embedding variant) over the
whole dataset. Every item's hits, relevance and latency are written to
`OUT/results/<run>.jsonl`, so a report can be re-read and a run exported
(`fmkit eval-export --format bedrock-rag-eval`) without asking again. Latency is the wall time
of one `retrieve` call: embedding the question plus the store query (locally), or the signed
HTTPS round trip (deployed).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .dataset import RetrievalDataset, RetrievalItem
from .metrics import (
    DEFAULT_PASSAGE_OVERLAP,
    LATENCY_METRICS,
    QUALITY_METRICS,
    judge,
    mean,
    percentile,
    score,
    targets_of,
)
from .retrievers import RetrievalError, Retriever

RUN_MANIFEST = "run.json"
RUN_KIND = "fmkit-eval-retrieval"


class HitRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int
    text: str
    score: float
    key: str
    source_key: str
    chunk_index: int
    relevant: bool
    covers: list[int] = Field(default_factory=list)


class ItemResult(BaseModel):
    """One question's outcome (a line of `results/<run>.jsonl`)."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    question: str
    hits: list[HitRecord] = Field(default_factory=list)
    scores: dict[str, float] | None = None
    latency_s: float | None = None
    error: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class RunSummary(BaseModel):
    """One retriever's averages over the items it answered."""

    name: str
    description: str
    k: int
    n_items: int
    n_ok: int
    metrics: dict[str, float | None]
    setup: dict[str, Any] = Field(default_factory=dict)

    @property
    def measured(self) -> bool:
        return self.n_ok > 0


def run_file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".jsonl"


def _ask(item: RetrievalItem, retriever: Retriever, k: int, overlap: float) -> ItemResult:
    started = time.perf_counter()
    try:
        hits = retriever.retrieve(item.question, k)
    except RetrievalError as exc:
        error = {"kind": exc.kind, "message": exc.message, "status": exc.status, "attempts": exc.attempts}
        return ItemResult(item_id=item.id, question=item.question, error=error)
    except Exception as exc:  # a bug or an unexpected SDK failure costs one item, not the run
        return ItemResult(item_id=item.id, question=item.question,
                          error={"kind": "internal", "message": f"{type(exc).__name__}: {exc}"[:300]})
    latency = time.perf_counter() - started
    judged = judge(item, hits, overlap)
    records = [HitRecord(rank=rank, text=j.hit.text, score=j.hit.score, key=j.hit.key, source_key=j.hit.source_key,
                         chunk_index=j.hit.chunk_index, relevant=j.relevant, covers=sorted(j.covered))
               for rank, j in enumerate(judged, start=1)]
    scores = score(judged, len(targets_of(item)), k).as_dict()
    return ItemResult(item_id=item.id, question=item.question, hits=records, scores=scores, latency_s=latency)


def summarize_run(name: str, description: str, k: int, results: Sequence[ItemResult],
                  setup: dict[str, Any] | None = None) -> RunSummary:
    answered = [r for r in results if r.ok and r.scores is not None]
    metrics: dict[str, float | None] = {
        metric: mean([r.scores[metric] for r in answered if r.scores]) for metric in QUALITY_METRICS}
    latencies = [r.latency_s for r in answered if r.latency_s is not None]
    for metric, q in zip(LATENCY_METRICS, (50, 95), strict=True):
        metrics[metric] = percentile(latencies, q)
    return RunSummary(name=name, description=description, k=k, n_items=len(results), n_ok=len(answered),
                      metrics=metrics, setup=dict(setup or {}))


def evaluate_retriever(
    dataset: RetrievalDataset,
    retriever: Retriever,
    *,
    name: str,
    description: str,
    k: int,
    out_dir: Path | None = None,
    concurrency: int = 1,
    passage_overlap: float = DEFAULT_PASSAGE_OVERLAP,
    setup: dict[str, Any] | None = None,
) -> tuple[RunSummary, list[ItemResult]]:
    """Ask every question; write `OUT/results/<name>.jsonl` when `out_dir` is given."""
    if k < 1:
        raise ValueError("k must be >= 1")
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        results = list(pool.map(lambda item: _ask(item, retriever, k, passage_overlap), dataset.items))
    if out_dir is not None:
        path = out_dir / "results" / run_file_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(r.model_dump_json() + "\n" for r in results), encoding="utf-8")
    return summarize_run(name, description, k, results, setup), results


def write_manifest(out_dir: Path, dataset: RetrievalDataset, runs: Sequence[RunSummary], **extra: Any) -> Path:
    """`OUT/run.json`: what was asked of whom (the export reads it back)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "kind": RUN_KIND,
        "dataset": {"path": str(dataset.path), "sha256": dataset.sha256, "items": len(dataset)},
        "runs": [{"name": r.name, "description": r.description, "k": r.k,
                  "results": f"results/{run_file_name(r.name)}"} for r in runs],
        **extra,
    }
    path = out_dir / RUN_MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path


def read_results(path: Path) -> list[ItemResult]:
    return [ItemResult.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
