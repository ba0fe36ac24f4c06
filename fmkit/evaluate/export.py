"""Export runs as the "bring your own inference responses" datasets of Amazon Bedrock evaluation jobs.

Bedrock's model-evaluation and RAG-evaluation jobs can judge answers produced anywhere (here:
Bedrock, SageMaker and Graviton deployments alike), so a team can add AWS's managed judge
metrics to an `fmkit eval` run without new code. Formats, from the Bedrock user guide:

- `bedrock-model-eval` (model-evaluation-prompt-datasets-judge, "your own inference response
  data"): one JSON object per line, `prompt`, optional `referenceResponse` and `category`, and
  `modelResponses: [{"response", "modelIdentifier"}]` — exactly one response per prompt and one
  `modelIdentifier` per job, so each model gets its own file.
- `bedrock-rag-eval` (knowledge-base-evaluation-prompt-retrieve / -retrieve-generate):
  `{"conversationTurns": [{"prompt": {"content": [{"text"}]}, "referenceResponses": [...],
  "referenceContexts": [...], "output": {...}}]}` where `output` is, for retrieve-only,
  `{"knowledgeBaseIdentifier", "retrievedResults": {"retrievalResults": [{"name", "content":
  {"text"}, "metadata"}]}}` (from an `fmkit eval-retrieval` run), and for retrieve-and-generate
  `{"text", "modelIdentifier", "knowledgeBaseIdentifier", "retrievedPassages": {...}}` (an
  `fmkit eval` run joined with a retrieval run by item id, or whose items carry `context`).

Identifiers follow the job API's pattern `[a-zA-Z0-9]([a-zA-Z0-9._-]){0,255}` (the name the
job's `inferenceSourceIdentifier` / `ragSourceIdentifier` must repeat). A job takes at most 1000
prompts: longer exports are split into parts.

Only prompts, references, answers, passages and names are written: nothing from a run's
endpoint description (URLs, secret ARNs) or any key can reach an export.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ExportFormat = Literal["bedrock-model-eval", "bedrock-rag-eval"]
FORMATS: tuple[ExportFormat, ...] = ("bedrock-model-eval", "bedrock-rag-eval")
MAX_PROMPTS_PER_JOB = 1000
RETRIEVAL_KIND = "fmkit-eval-retrieval"
_IDENTIFIER_BAD = re.compile(r"[^a-zA-Z0-9._-]")


class ExportError(ValueError):
    """The run cannot be exported as asked (missing files, changed dataset, ambiguous output)."""


def identifier(name: str) -> str:
    """`name` made a valid Bedrock evaluation source identifier."""
    cleaned = _IDENTIFIER_BAD.sub("-", name).lstrip("._-")[:256]
    return cleaned or "fmkit"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{path} not found: is this a run directory?") from None
    except ValueError as exc:
        raise ExportError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ExportError(f"{path} does not hold a JSON object")
    return data


def _jsonl(path: Path) -> list[dict[str, Any]]:
    """Objects of a JSONL file; a torn or foreign line is skipped (a crash mid-write)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    return rows


@dataclass(frozen=True)
class Item:
    """What an export needs of a dataset item."""

    id: str
    prompt: str
    reference: str | None
    category: str | None
    contexts: tuple[str, ...]


def _prompt_text(row: Mapping[str, Any]) -> str:
    """The prompt as one string: the prompt itself, or the conversation as a transcript."""
    parts = [f"System: {row['system']}"] if row.get("system") else []
    if isinstance(row.get("messages"), list):
        parts += [f"{str(m.get('role', 'user')).capitalize()}: {m.get('content', '')}" for m in row["messages"]]
    elif row.get("prompt") is not None:
        parts.append(f"User: {row['prompt']}" if parts else str(row["prompt"]))
    elif row.get("question") is not None:
        parts.append(str(row["question"]))
    return "\n\n".join(parts)


def _category(row: Mapping[str, Any], by: str) -> str | None:
    if by == "tag":
        tags = row.get("tags") or []
        return str(tags[0]) if tags else None
    if by == "split":
        return str(row["split"]) if row.get("split") else None
    return None


def _contexts(row: Mapping[str, Any]) -> tuple[str, ...]:
    value = row.get("context", row.get("contexts"))
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value if str(v).strip())
    return ()


def load_items(manifest: Mapping[str, Any], run_dir: Path, dataset: Path | None, *, category: str) -> dict[str, Item]:
    """The dataset items of a run, checked against the sha256 the run recorded."""
    recorded = manifest.get("dataset") or {}
    path = dataset or Path(str(recorded.get("path", "")))
    candidates = [path] if path.is_absolute() else [path, run_dir / path]
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise ExportError(f"dataset {path} not found: pass --dataset with the file the run used")
    text = found.read_text(encoding="utf-8")
    if recorded.get("sha256") and hashlib.sha256(text.encode("utf-8")).hexdigest() != recorded["sha256"]:
        raise ExportError(f"{found} changed since the run (sha256 differs from run.json): the answers would be "
                          "paired with other prompts; pass --dataset with the file the run used")
    items = {}
    for row in (json.loads(line) for line in text.splitlines() if line.strip()):
        reference = row.get("reference")
        items[str(row["id"])] = Item(id=str(row["id"]), prompt=_prompt_text(row),
                                     reference=str(reference) if reference else None,
                                     category=_category(row, category), contexts=_contexts(row))
    return items


def answers(run_dir: Path) -> dict[str, dict[str, str]]:
    """model -> item id -> answer, from `results/*.jsonl` (the latest record per item; failures left out)."""
    by_model: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted((run_dir / "results").glob("*.jsonl")):
        for row in _jsonl(path):
            if "item_id" in row and "model" in row:
                by_model.setdefault(str(row["model"]), {})[str(row["item_id"])] = row
    return {model: {item: str(r["output"]) for item, r in rows.items() if r.get("error") is None
                    and r.get("output") is not None} for model, rows in by_model.items()}


def _text(text: str) -> dict[str, Any]:
    return {"content": [{"text": text}]}


def model_eval_lines(items: Mapping[str, Item], answered: Mapping[str, str], model: str) -> list[dict[str, Any]]:
    lines = []
    for item_id, response in answered.items():
        item = items.get(item_id)
        if item is None:
            continue
        line: dict[str, Any] = {"prompt": item.prompt}
        if item.reference:
            line["referenceResponse"] = item.reference
        if item.category:
            line["category"] = item.category
        line["modelResponses"] = [{"response": response, "modelIdentifier": identifier(model)}]
        lines.append(line)
    return lines


def _retrieval_results(hits: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    results = []
    for hit in hits:
        metadata = {"source": str(hit.get("source_key", "")), "score": f"{float(hit.get('score', 0.0)):.6f}"}
        results.append({"name": f"{hit.get('key', '')}#{hit.get('chunk_index', 0)}",
                        "content": {"text": str(hit.get("text", ""))}, "metadata": metadata})
    return {"retrievalResults": results}


def _turn(prompt: str, reference: str | None, contexts: Sequence[str], output: dict[str, Any]) -> dict[str, Any]:
    turn: dict[str, Any] = {"prompt": _text(prompt)}
    if reference:
        turn["referenceResponses"] = [_text(reference)]
    if contexts:
        turn["referenceContexts"] = [_text(c) for c in contexts]
    turn["output"] = output
    return {"conversationTurns": [turn]}


@dataclass(frozen=True)
class Export:
    """One Bedrock job's dataset: its source identifier and lines."""

    name: str
    lines: list[dict[str, Any]]
    skipped: int  # items with no usable answer (failed requests, unknown ids)


def export_model_eval(run_dir: Path, *, models: Sequence[str] = (), dataset: Path | None = None,
                      category: str = "tag") -> list[Export]:
    """One export per model of an `fmkit eval` run."""
    manifest = _read_json(run_dir / "run.json")
    if manifest.get("kind") == RETRIEVAL_KIND:
        raise ExportError(f"{run_dir} is a retrieval run: export it with --format bedrock-rag-eval")
    items = load_items(manifest, run_dir, dataset, category=category)
    by_model = _select(answers(run_dir), models)
    exports = []
    for model, answered in by_model.items():
        lines = model_eval_lines(items, answered, model)
        exports.append(Export(identifier(model), lines, len(items) - len(lines)))
    return exports


def _select(by_model: dict[str, Any], models: Sequence[str]) -> dict[str, Any]:
    unknown = [m for m in models if m not in by_model]
    if unknown:
        raise ExportError(f"no results for {', '.join(unknown)} (run has: {', '.join(sorted(by_model)) or 'none'})")
    return {m: by_model[m] for m in models} if models else by_model


def _retrieval_runs(run_dir: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    manifest = _read_json(run_dir / "run.json")
    if manifest.get("kind") != RETRIEVAL_KIND:
        raise ExportError(f"{run_dir} is not an `fmkit eval-retrieval` run")
    runs = {str(r["name"]): _jsonl(run_dir / str(r["results"])) for r in manifest.get("runs", [])
            if (run_dir / str(r.get("results", ""))).is_file()}
    return manifest, runs


def export_retrieve_only(run_dir: Path, *, runs: Sequence[str] = (), dataset: Path | None = None) -> list[Export]:
    """One retrieve-only RAG export per run (knowledge source) of an `fmkit eval-retrieval` run."""
    manifest, by_run = _retrieval_runs(run_dir)
    items = load_items(manifest, run_dir, dataset, category="none")
    references = _retrieval_references(manifest, run_dir, dataset)
    exports = []
    for name, rows in _select(by_run, runs).items():
        lines = [_turn(items[r["item_id"]].prompt, references.get(r["item_id"], (None, ()))[0],
                       references.get(r["item_id"], (None, ()))[1],
                       {"knowledgeBaseIdentifier": identifier(name), "retrievedResults": _retrieval_results(r["hits"])})
                 for r in rows if r.get("error") is None and r.get("item_id") in items]
        exports.append(Export(identifier(name), lines, len(rows) - len(lines)))
    return exports


def _retrieval_references(manifest: Mapping[str, Any], run_dir: Path,
                          dataset: Path | None) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """item id -> (reference answer, expected passages) of a retrieval dataset."""
    path = dataset or Path(str((manifest.get("dataset") or {}).get("path", "")))
    path = path if path.is_file() else run_dir / path
    rows = _jsonl(path) if path.is_file() else []
    return {str(r.get("id")): (r.get("reference"), tuple(r.get("expected_passages") or ())) for r in rows}


def export_retrieve_and_generate(run_dir: Path, *, retrieval: Path | None, retrieval_run: str | None = None,
                                 models: Sequence[str] = (), dataset: Path | None = None) -> list[Export]:
    """One retrieve-and-generate RAG export per model: its answers with the passages retrieved for
    the same item (a retrieval run joined by item id), or the passages the dataset item carries."""
    manifest = _read_json(run_dir / "run.json")
    items = load_items(manifest, run_dir, dataset, category="none")
    source, passages = _passages(items, retrieval, retrieval_run)
    exports = []
    for model, answered in _select(answers(run_dir), models).items():
        lines = []
        for item_id, response in answered.items():
            if item_id not in items or item_id not in passages:
                continue
            output = {"text": response, "modelIdentifier": identifier(model), "knowledgeBaseIdentifier": source,
                      "retrievedPassages": _retrieval_results(passages[item_id])}
            lines.append(_turn(items[item_id].prompt, items[item_id].reference, (), output))
        exports.append(Export(identifier(model), lines, len(items) - len(lines)))
    return exports


def _passages(items: Mapping[str, Item], retrieval: Path | None,
              run: str | None) -> tuple[str, dict[str, list[dict[str, Any]]]]:
    if retrieval is None:
        with_context = {i.id: [{"text": c, "key": f"context-{n}", "chunk_index": 0} for n, c in enumerate(i.contexts)]
                        for i in items.values() if i.contexts}
        if not with_context:
            raise ExportError("no passages to export: pass --retrieval with an `fmkit eval-retrieval` run, or give "
                              "dataset items a 'context'")
        return "dataset-context", with_context
    _, by_run = _retrieval_runs(retrieval)
    if not by_run:
        raise ExportError(f"{retrieval} has no retrieval results")
    name = run or next(iter(by_run))
    rows = _select(by_run, [name])[name]
    return identifier(name), {str(r["item_id"]): list(r.get("hits", [])) for r in rows if r.get("error") is None}


def write_exports(exports: Sequence[Export], target: Path) -> list[Path]:
    """`target.jsonl` for a single export, else `target/<name>.jsonl` each; over 1000 lines, parts."""
    single = target.suffix == ".jsonl"
    if single and len(exports) != 1:
        names = ", ".join(e.name for e in exports)
        raise ExportError(f"{len(exports)} exports ({names}) need one job each: give a directory, or select one "
                          "with --model / --run")
    written = []
    for export in exports:
        base = target if single else target / f"{export.name}.jsonl"
        chunks = [export.lines[i:i + MAX_PROMPTS_PER_JOB] for i in range(0, len(export.lines), MAX_PROMPTS_PER_JOB)]
        for number, chunk in enumerate(chunks or [[]], start=1):
            path = base if len(chunks) <= 1 else base.with_name(f"{base.stem}.part{number}.jsonl")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in chunk), encoding="utf-8")
            written.append(path)
    return written
