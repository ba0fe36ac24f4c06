"""Dashboard sections of the environment's capabilities: knowledge bases and the evaluation.

The knowledge section reads the ingest function's own metrics (`fmkit.contracts.metrics`,
published with Powertools by `lambda/ingest/handler.py`) beside the queue's and the query
function's; the evaluation section draws the figures the summarize step publishes, one line per
evaluated model.
"""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch

from fmkit.contracts.metrics import (
    CHUNKS_EMBEDDED,
    CHUNKS_WRITTEN,
    DOCUMENTS_DELETED,
    DOCUMENTS_INDEXED,
    DOCUMENTS_SKIPPED,
    EVALUATION_DIMENSIONS,
    EVALUATION_NAMESPACE,
    EVALUATION_VALUE,
    INGEST_ERRORS,
    KNOWLEDGE_INGEST_SERVICE,
    KNOWLEDGE_NAMESPACE,
)
from stacks.operations.sources import EvaluationSource, KnowledgeSource
from stacks.operations.widgets import GRAPH_WIDTH, ONE_DAY, PERCENTILES, alarm_status, graph, header, metric

Widgets = list[cloudwatch.IWidget]


def knowledge_section(source: KnowledgeSource) -> Widgets:
    name = source.name
    if source.queue is None or source.dead_letter_queue is None or source.ingest_function is None:
        return [header(f"### {name} — knowledge base (Bedrock Knowledge Bases)"), cloudwatch.TextWidget(
            markdown="Bedrock runs this knowledge base's ingestion (data source sync jobs) and queries: "
                     "see the job history in the Bedrock console.", width=GRAPH_WIDTH * 2, height=2)]
    queue, dlq, ingest = source.queue, source.dead_letter_queue, source.ingest_function
    outcomes = {"FunctionName": ingest.function_name, "service": KNOWLEDGE_INGEST_SERVICE}
    widgets: Widgets = [
        header(f"### {name} — knowledge base ingestion and query"),
        graph(f"{name}: queue depth", [
            queue.metric_approximate_number_of_messages_visible(statistic="Maximum", label="waiting"),
            queue.metric_approximate_number_of_messages_not_visible(statistic="Maximum", label="in flight")]),
        graph(f"{name}: oldest message age (s)",
              [queue.metric_approximate_age_of_oldest_message(statistic="Maximum", label="oldest")], left_label="s"),
        graph(f"{name}: dead-letter queue depth",
              [dlq.metric_approximate_number_of_messages_visible(statistic="Maximum", label="dead letters")]),
        graph(f"{name}: ingest errors", [
            metric(KNOWLEDGE_NAMESPACE, INGEST_ERRORS, outcomes, label="failed events"),
            ingest.metric_errors(label="function errors")]),
        graph(f"{name}: documents processed", [
            metric(KNOWLEDGE_NAMESPACE, DOCUMENTS_INDEXED, outcomes, label="indexed"),
            metric(KNOWLEDGE_NAMESPACE, DOCUMENTS_DELETED, outcomes, label="deleted"),
            metric(KNOWLEDGE_NAMESPACE, DOCUMENTS_SKIPPED, outcomes, label="skipped")]),
        graph(f"{name}: chunks", [metric(KNOWLEDGE_NAMESPACE, CHUNKS_WRITTEN, outcomes, label="written"),
                                  metric(KNOWLEDGE_NAMESPACE, CHUNKS_EMBEDDED, outcomes, label="embedded")]),
    ]
    if source.query_function is not None:
        query = source.query_function
        widgets.append(graph(f"{name}: query latency (ms)",
                             [query.metric_duration(statistic=p, label=p) for p in PERCENTILES], left_label="ms"))
    if source.alarms:
        widgets.append(alarm_status(f"{name}: alarms", list(source.alarms)))
    return widgets


def _by_model(source: EvaluationSource, figure: str) -> list[cloudwatch.IMetric]:
    """One line per evaluated model: the daily average of `figure` (a run publishes one value)."""
    return [metric(EVALUATION_NAMESPACE, EVALUATION_VALUE,
                   dict(zip(EVALUATION_DIMENSIONS, (source.environment, model, figure), strict=True)),
                   "Average", period=ONE_DAY, label=model) for model in source.models]


def evaluation_section(source: EvaluationSource) -> Widgets:
    widgets: Widgets = [header("### Evaluation — headline figures of each run, one line per model")]
    for figure in source.quality_metrics:
        widgets.append(graph(f"evaluation: {figure}", _by_model(source, figure)))
    widgets.append(graph("evaluation: error rate", _by_model(source, "error_rate")))
    widgets.append(graph("evaluation: p95 latency (s)", _by_model(source, "latency_p95_s"), left_label="s"))
    if source.alarms:
        widgets.append(alarm_status("evaluation: alarms", list(source.alarms)))
    return widgets
