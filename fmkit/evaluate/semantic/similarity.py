"""`semantic_similarity`: the cosine similarity of each answer's embedding and its reference's.

Word-overlap metrics call "Refunds take five working days" and "You get your money back within
a week" different, and two answers with the same words but opposite meaning alike; an embedding
model places texts by meaning. The score is the cosine of the two vectors (1: same direction);
a failed or empty answer scores 0 without a call, as every metric scores a failed request as an
empty answer. An answer that could not be embedded is unscored, and counted.

Similarities are cached in `OUT/semantic/<embedder>/<model>.jsonl`, keyed by the embedder's
identity and both texts, so a rerun embeds only new answers or changed references.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from fmkit.contracts.evaluation import SEMANTIC_METRIC
from fmkit.evaluate.adapters.base import InvocationError
from fmkit.evaluate.metrics.scored import ScoredMetric
from fmkit.evaluate.records import ItemRecord
from fmkit.evaluate.runner import EvaluationResult, read_latest, results_path
from fmkit.evaluate.semantic.embedders import Embedder
from fmkit.evaluate.summary_model import ScoredOutcome, SemanticSummary
from fmkit.evaluate.targets import Target


class SimilarityRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    item_id: str
    model: str
    key: str
    similarity: float | None = None
    error: str | None = None


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity; 0 when either vector is all zeros."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _answer(record: ItemRecord) -> str | None:
    """The text to embed, or None for a failed or empty answer (scored 0 without a call)."""
    text = (record.output or "").strip() if record.ok else ""
    return text or None


def _key(embedder: Target, answer: str | None, reference: str) -> str:
    canonical = json.dumps({"embedder": embedder.identity(), "answer": answer, "reference": reference},
                           sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _cache_path(out_dir: Path, embedder: str, model: str) -> Path:
    return out_dir / "semantic" / results_path(out_dir, embedder).stem / results_path(out_dir, model).name


def _embed_all(embedder: Embedder, texts: Sequence[str]) -> tuple[dict[str, list[float]], str | None]:
    """Vectors of the distinct texts, or the error that stopped it."""
    distinct = list(dict.fromkeys(texts))
    if not distinct:
        return {}, None
    try:
        return dict(zip(distinct, embedder.embed(distinct), strict=True)), None
    except InvocationError as exc:
        return {}, f"{exc.kind}: {exc.message[:300]}"


def semantic_scores(result: EvaluationResult, target: Target, embedder: Embedder, *,
                    out_dir: str | Path | None = None) -> dict[str, dict[str, SimilarityRecord]]:
    """Similarity of every stored answer to its reference: model -> item id -> record."""
    references = {item.id: item.reference for item in result.dataset.items}
    out = Path(out_dir) if out_dir is not None else None
    found: dict[str, dict[str, SimilarityRecord]] = {}
    todo: list[tuple[str, ItemRecord, str]] = []  # (model, record, key)
    for model in result.models:
        cached = read_latest(_cache_path(out, target.name, model), SimilarityRecord) if out is not None else {}
        found[model] = {}
        for record in result.records_for(model):
            key = _key(target, _answer(record), references[record.item_id])
            hit = cached.get(record.item_id)
            if hit is not None and hit.key == key and hit.similarity is not None:
                found[model][record.item_id] = hit
            else:
                todo.append((model, record, key))
    texts = [t for _, record, _ in todo if (t := _answer(record)) is not None]
    vectors, error = _embed_all(embedder, [*texts, *(references[r.item_id] for _, r, _ in todo if _answer(r))])
    for model, record, key in todo:
        answer = _answer(record)
        if answer is None:
            similarity, problem = 0.0, None
        elif error is not None:
            similarity, problem = None, error
        else:
            similarity, problem = cosine(vectors[answer], vectors[references[record.item_id]]), None
        found[model][record.item_id] = SimilarityRecord(item_id=record.item_id, model=model, key=key,
                                                        similarity=similarity, error=problem)
    if out is not None:
        _write(out, target.name, found, {(m, r.item_id) for m, r, _ in todo})
    return found


def _write(out: Path, embedder: str, found: Mapping[str, Mapping[str, SimilarityRecord]],
           new: set[tuple[str, str]]) -> None:
    for model, by_item in found.items():
        lines = [r.model_dump_json() + "\n" for item, r in by_item.items() if (model, item) in new]
        if lines:
            path = _cache_path(out, embedder, model)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.writelines(lines)


def semantic_outcome(found: Mapping[str, Mapping[str, SimilarityRecord]], target: Target) -> ScoredOutcome:
    """The `semantic_similarity` metric and its report section."""
    scores = {model: {item: r.similarity for item, r in by_item.items() if r.similarity is not None}
              for model, by_item in found.items()}
    unscored = {model: sum(1 for r in by_item.values() if r.similarity is None) for model, by_item in found.items()}
    metric = ScoredMetric(name=SEMANTIC_METRIC, scale=1.0, scores=scores,
                          description=f"cosine similarity of answer and reference embeddings ({target.name}), "
                                      "-1 to 1; a failed or empty answer scores 0")
    section = SemanticSummary(embedder=target.name, description=target.describe(), unscored=unscored)
    return ScoredOutcome(metric=metric, section=section)
