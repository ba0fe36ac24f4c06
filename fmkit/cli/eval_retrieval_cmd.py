"""`fmkit eval-retrieval ENV KB --dataset FILE`: does the knowledge base return the chunks that answer?

Two ways to get the chunks, one report:

- **deployed** (default): the query URL the knowledge stack publishes in SSM
  (`/fmkit/<project>/<env>/knowledge/<kb>/query`), SigV4-signed; `bedrock-kb` bases through
  `Retrieve`. `--url` names a query function URL directly.
- **local** (`--local DOCS_DIR`): the folder is indexed into a real pgvector with the kit's own
  parse/chunk/embed code, once per variant — the cross product of the `--chunk-size`,
  `--chunk-strategy`, `--chunk-overlap` and `--embedding` values given (each defaults to the
  knowledge base's config) — so chunking and embedding choices are compared before deploying.

Exit codes: 0 ok, 1 a threshold failed, 2 bad input, 3 no question could be answered.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, get_args

import typer
from rich.table import Table

from fmkit.cli.common import DEFAULT_CONFIG_DIR, ConfigDir, err, out
from fmkit.cli.eval_gates import (
    Bounds,
    apply_gate,
    aws_session,
    bad_input,
    describe_bounds,
    did_you_mean,
    environment,
    nothing_measured,
    parse_bounds,
    read_discovery,
)
from fmkit.config import EnvironmentConfig
from fmkit.config.knowledge import BedrockEmbedding, KnowledgeBaseConfig, embedding_dimensions

if TYPE_CHECKING:
    from fmkit.evaluate.retrieval import RetrievalDataset, Retriever, RunSummary
    from fmkit.evaluate.retrieval.local import LocalVariant

HIGHER_IS_BETTER = {"hit_rate": True, "mrr": True, "context_precision": True, "context_recall": True,
                    "latency_p50_s": False, "latency_p95_s": False}
EMBEDDINGS = ("configured", "hash", "minilm")
HASH_DIMENSIONS = 256


def eval_retrieval(
    env: Annotated[str, typer.Argument(help="Environment name, e.g. dev.")],
    kb: Annotated[str, typer.Argument(help="Knowledge base name (project.knowledge_bases).")],
    dataset: Annotated[Path, typer.Option("--dataset", "-d", help="JSONL: id, question, expected_sources "
                                          "and/or expected_passages.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="Chunks retrieved per question.")] = 5,
    local: Annotated[Path | None, typer.Option("--local", help="Index this folder locally instead of "
                                               "querying the deployed knowledge base.")] = None,
    chunk_size: Annotated[list[int], typer.Option("--chunk-size", help="Local: a chunk size to compare "
                                                  "(repeatable).")] = [],  # noqa: B006
    chunk_strategy: Annotated[list[str], typer.Option("--chunk-strategy", help="Local: recursive, tokens or "
                                                      "markdown (repeatable).")] = [],  # noqa: B006
    chunk_overlap: Annotated[list[int], typer.Option("--chunk-overlap", help="Local: an overlap to compare "
                                                     "(repeatable).")] = [],  # noqa: B006
    embedding: Annotated[list[str], typer.Option("--embedding", help="Local: configured, hash or minilm "
                                                 "(repeatable; default configured with AWS credentials, "
                                                 "else hash).")] = [],  # noqa: B006
    pg_dsn: Annotated[str | None, typer.Option("--pg-dsn", envvar="FMKIT_PG_DSN", help="Local: a PostgreSQL "
                                               "with pgvector (default: a throwaway one).")] = None,
    url: Annotated[str | None, typer.Option("--url", help="A query function URL instead of SSM discovery.")]
    = None,
    min_score: Annotated[list[str], typer.Option("--min-score", help="METRIC=VALUE: exit 1 below "
                                                 "(hit_rate, mrr, context_precision, context_recall).")]
    = [],  # noqa: B006
    max_score: Annotated[list[str], typer.Option("--max-score", help="METRIC=VALUE: exit 1 above "
                                                 "(latency_p50_s, latency_p95_s).")] = [],  # noqa: B006
    passage_overlap: Annotated[float, typer.Option("--passage-overlap", min=0.01, max=1.0, help="Share of an "
                                                   "expected passage's words a chunk must hold.")] = 0.8,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, max=32, help="Deployed: "
                                             "questions in flight (local runs ask one at a time).")] = 4,
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Reports (default "
                                                 "build/eval-retrieval/ENV-KB).")] = None,
    config_dir: ConfigDir = DEFAULT_CONFIG_DIR,
) -> None:
    """Retrieval quality of a knowledge base: hit@k, MRR, context precision/recall, latency."""
    from fmkit.evaluate.retrieval import evaluate_retriever

    config = environment(config_dir, env)
    kb_config = _knowledge_base(config, kb)
    data = _dataset(dataset)
    bounds = parse_bounds(min_score, max_score, HIGHER_IS_BETTER)
    target = out_dir or Path("build") / "eval-retrieval" / f"{env}-{kb}"
    summaries: list[RunSummary] = []
    with _retrievers(config, kb, kb_config, local=local, url=url,
                     variants=_Choices(chunk_size, chunk_strategy, chunk_overlap, embedding), pg_dsn=pg_dsn) as runs:
        for name, description, retriever, setup in runs:
            err.print(f"asking {len(data)} question(s) of {name} …", markup=False)
            summary, _ = evaluate_retriever(data, retriever, name=name, description=description, k=k,
                                            out_dir=target, concurrency=1 if local else concurrency,
                                            passage_overlap=passage_overlap, setup=setup)
            summaries.append(summary)
    _report(data, summaries, target, title=f"{env} / {kb}", bounds=bounds, k=k)
    if not any(s.measured for s in summaries):
        nothing_measured("no question could be answered: see the errors in "
                         f"{target / 'results'} (credentials, URL, permissions?)")
    apply_gate({s.name: s.metrics for s in summaries}, bounds)


def _knowledge_base(config: EnvironmentConfig, name: str) -> KnowledgeBaseConfig:
    bases = config.project.knowledge_bases
    if name not in bases:
        bad_input(did_you_mean(name, sorted(bases), f"knowledge base in environment '{config.name}'"))
    return bases[name]


def _dataset(path: Path) -> RetrievalDataset:
    from fmkit.evaluate.retrieval import RetrievalDatasetError, load_retrieval_dataset

    try:
        return load_retrieval_dataset(path)
    except RetrievalDatasetError as exc:
        for problem in exc.problems:
            err.print(str(problem), style="red", markup=False)
        bad_input(f"{len(exc.problems)} problem(s) in the dataset")
    except OSError as exc:
        bad_input(f"cannot read dataset {path}: {exc.strerror}")


class _Choices:
    """The local variant options as given (empty lists mean "the knowledge base's value")."""

    def __init__(self, sizes: list[int], strategies: list[str], overlaps: list[int], embeddings: list[str]) -> None:
        self.sizes, self.strategies, self.overlaps, self.embeddings = sizes, strategies, overlaps, embeddings

    def variants(self, kb: KnowledgeBaseConfig, default_embedding: str) -> list[LocalVariant]:
        from fmkit.contracts.knowledge import ChunkStrategy
        from fmkit.evaluate.retrieval.local import LocalVariant

        for value, known, what in [*((s, get_args(ChunkStrategy), "chunk strategy") for s in self.strategies),
                                   *((e, EMBEDDINGS, "embedding") for e in self.embeddings)]:
            if value not in known:
                bad_input(did_you_mean(value, list(known), what))
        combos = itertools.product(self.strategies or [kb.chunking.strategy], self.sizes or [kb.chunking.size],
                                   self.overlaps or [kb.chunking.overlap], self.embeddings or [default_embedding])
        variants = [LocalVariant(strategy, size, overlap, emb)  # type: ignore[arg-type]  # checked above
                    for strategy, size, overlap, emb in combos]
        problems = [p for p in (v.check() for v in variants) if p]
        if problems:
            bad_input("; ".join(problems) + " (set --chunk-overlap)")
        return list(dict.fromkeys(variants))


RunSpec = tuple[str, str, "Retriever", dict[str, Any]]


@contextmanager
def _retrievers(config: EnvironmentConfig, kb: str, kb_config: KnowledgeBaseConfig, *, local: Path | None,
                url: str | None, variants: _Choices, pg_dsn: str | None) -> Iterator[Iterator[RunSpec]]:
    if local is None:
        yield iter([_deployed(config, kb, kb_config, url)])
        return
    if not local.is_dir():
        bad_input(f"--local {local}: not a folder")
    session = aws_session(config.region)
    default_embedding = "configured" if session.get_credentials() is not None else "hash"
    if default_embedding == "hash" and not variants.embeddings:
        err.print("no AWS credentials: embedding locally with the deterministic hash embedder "
                  "(--embedding minilm for a real model)", style="yellow", markup=False)
    chosen = variants.variants(kb_config, default_embedding)
    with _postgres(pg_dsn) as dsn:
        yield (_local_run(config, kb_config, local, variant, dsn, session) for variant in chosen)


@contextmanager
def _postgres(dsn: str | None) -> Iterator[str]:
    from fmkit.evaluate.retrieval.local import temporary_postgres
    from fmkit.knowledge.errors import ConfigurationError

    if dsn:
        yield dsn
        return
    try:
        with temporary_postgres() as uri:
            yield uri
    except ConfigurationError as exc:
        bad_input(str(exc))


def _local_run(config: EnvironmentConfig, kb: KnowledgeBaseConfig, folder: Path, variant: LocalVariant, dsn: str,
               session: Any) -> RunSpec:
    from fmkit.contracts.knowledge import KnowledgeSettings
    from fmkit.evaluate.retrieval.local import build_local_index
    from fmkit.knowledge.errors import ConfigurationError

    base = KnowledgeSettings(allowed_suffixes=tuple(kb.sources.suffixes()),
                             max_object_bytes=kb.ingest.max_document_mb * 1024 * 1024, db_dsn=dsn)
    try:
        embedder = _embedder(config, kb, variant.embedding, session)
        index = build_local_index(folder, variant, dsn=dsn, embedder=embedder, base=base)
    except ConfigurationError as exc:
        bad_input(f"{variant.name}: {exc}")
    err.print(f"{variant.name}: {index.documents} document(s), {index.chunks} chunk(s) in {index.table_prefix}",
              markup=False)
    description = (f"local pgvector: {variant.chunk_strategy} chunks of {variant.chunk_size} "
                   f"(overlap {variant.chunk_overlap}), {index.model_id} ({index.dimensions} dims)")
    setup = {"folder": str(folder), "chunk_strategy": variant.chunk_strategy, "chunk_size": variant.chunk_size,
             "chunk_overlap": variant.chunk_overlap, "embedding": variant.embedding, "model_id": index.model_id,
             "documents": index.documents, "chunks": index.chunks}
    return variant.name, description, index.retriever, setup


def _embedder(config: EnvironmentConfig, kb: KnowledgeBaseConfig, choice: str, session: Any) -> Any:
    from fmkit.knowledge.embedding import HashEmbedder

    if choice == "hash":
        return HashEmbedder(HASH_DIMENSIONS)
    if choice == "minilm":
        from fmkit.evaluate.retrieval.embedders import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder()
    return _configured_embedder(config, kb, session)


def _configured_embedder(config: EnvironmentConfig, kb: KnowledgeBaseConfig, session: Any) -> Any:
    """The knowledge base's own embedding model (Bedrock, or its SageMaker deployment via discovery)."""
    from fmkit.contracts.discovery import parameter_name
    from fmkit.contracts.knowledge import KnowledgeSettings
    from fmkit.knowledge.build import build_embedder

    dims = embedding_dimensions(kb.embedding)
    if isinstance(kb.embedding, BedrockEmbedding):
        settings = KnowledgeSettings(embedding_provider="bedrock", embedding_model_id=kb.embedding.model_id,
                                     embedding_dimensions=dims, db_dsn="unused")
        return build_embedder(settings, client=session.client("bedrock-runtime"))
    deployment = kb.embedding.deployment
    payload = read_discovery(session, parameter_name(config.project.name, config.name, deployment))
    settings = KnowledgeSettings(embedding_provider="sagemaker", embedding_model_id=deployment,
                                 embedding_endpoint_name=str(payload.get("endpoint_name") or ""),
                                 embedding_dimensions=dims, db_dsn="unused")
    return build_embedder(settings, client=session.client("sagemaker-runtime"))


def _deployed(config: EnvironmentConfig, kb: str, kb_config: KnowledgeBaseConfig, url: str | None) -> RunSpec:
    from fmkit.contracts.discovery import knowledge_parameter_name
    from fmkit.evaluate.retrieval import BedrockKbRetriever, QueryUrlRetriever, RetrievalError

    session = aws_session(config.region)
    if url is None:
        name = knowledge_parameter_name(config.project.name, config.name, kb)
        payload = read_discovery(session, name)
        if payload.get("mode") == "bedrock-kb":
            kb_id = str(payload.get("knowledge_base_id") or "")
            client = session.client("bedrock-agent-runtime")
            return "deployed", f"Bedrock knowledge base {kb_id}", BedrockKbRetriever(kb_id, client=client), {}
        url = str(payload.get("function_url") or "")
        if not url:
            bad_input(f"{name} has no function_url (is the knowledge stack deployed?)")
    try:
        retriever = QueryUrlRetriever(url, credentials=session.get_credentials(), region=None
                                      if ".lambda-url." in url else config.region)
    except RetrievalError as exc:
        bad_input(exc.message)
    return "deployed", f"query function URL {url} ({kb_config.vector_store})", retriever, {"url": url}


def _report(data: RetrievalDataset, summaries: list[RunSummary], target: Path, *, title: str, bounds: Bounds,
            k: int) -> None:
    from fmkit.evaluate.retrieval import write_manifest
    from fmkit.evaluate.retrieval.report import report_data, write_report

    write_manifest(target, data, summaries, title=title)
    paths = write_report(report_data(data, summaries, context={"title": title}, gate=describe_bounds(bounds)),
                         target)
    table = Table(title=f"{len(data)} questions · top {k}")
    for column in ("run", "answered", "hit@k", "MRR", "precision@k", "recall@k", "p50", "p95"):
        table.add_column(column, justify="left" if column == "run" else "right")
    for s in summaries:
        m = s.metrics
        cells = [_num(m.get(x)) for x in ("hit_rate", "mrr", "context_precision", "context_recall")]
        table.add_row(s.name, f"{s.n_ok}/{s.n_items}", *cells, _ms(m.get("latency_p50_s")),
                      _ms(m.get("latency_p95_s")))
    out.print(table)
    out.print(f"reports: {paths.markdown}, {paths.html}, {paths.json}", markup=False)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:.0f} ms"
