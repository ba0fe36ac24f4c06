"""The knowledge and evaluation sections alone, and the contract between the ingest function and
the dashboard (the metric names and the `service` dimension both read from fmkit.contracts.metrics)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from fmkit.contracts import metrics as contract
from stacks.operations.capability_sections import evaluation_section, knowledge_section
from stacks.operations.sources import EvaluationSource, KnowledgeSource
from tests.infra.constructs import bare_stack
from tests.infra.operations.dashboard_body import plain_metrics, titled, widgets

pytestmark = pytest.mark.infra


def board(sections: list[cloudwatch.IWidget], stack: Any = None) -> list[dict[str, Any]]:
    stack = stack or bare_stack()
    dashboard = cloudwatch.Dashboard(stack, "Board", dashboard_name="test")
    for widget in sections:
        dashboard.add_widgets(widget)
    return widgets(Template.from_stack(stack))


def function(stack: Any, name: str) -> lambda_.IFunction:
    return lambda_.Function.from_function_name(stack, name, name)


def queue(stack: Any, name: str) -> sqs.IQueue:
    return sqs.Queue.from_queue_arn(stack, name, f"arn:aws:sqs:eu-west-1:111111111111:{name}")


def test_knowledge_draws_the_queue_the_ingest_outcomes_and_query_latency() -> None:
    stack = bare_stack()
    source = KnowledgeSource(name="docs", queue=queue(stack, "ingest-queue"),
                             dead_letter_queue=queue(stack, "ingest-dlq"),
                             ingest_function=function(stack, "ingest-fn"), query_function=function(stack, "query-fn"))
    drawn = board(knowledge_section(source), stack)
    depth = plain_metrics(titled(drawn, "docs: queue depth"))
    assert {(m[1], m[2]["QueueName"], m[3]["stat"]) for m in depth} == {
        ("ApproximateNumberOfMessagesVisible", "ingest-queue", "Maximum"),
        ("ApproximateNumberOfMessagesNotVisible", "ingest-queue", "Maximum")}
    [(_, age, _, _)] = plain_metrics(titled(drawn, "docs: oldest message age (s)"))
    assert age == "ApproximateAgeOfOldestMessage"
    [(_, dead, dims, _)] = plain_metrics(titled(drawn, "docs: dead-letter queue depth"))
    assert (dead, dims) == ("ApproximateNumberOfMessagesVisible", {"QueueName": "ingest-dlq"})

    outcomes = {"FunctionName": "ingest-fn", "service": contract.KNOWLEDGE_INGEST_SERVICE}
    assert set(outcomes) == set(contract.KNOWLEDGE_DIMENSIONS)
    published = {(m[0], m[1]) for title in ("documents processed", "chunks", "ingest errors")
                 for m in plain_metrics(titled(drawn, f"docs: {title}")) if m[2] == outcomes}
    assert published == {(contract.KNOWLEDGE_NAMESPACE, name) for name in (
        contract.DOCUMENTS_INDEXED, contract.DOCUMENTS_DELETED, contract.DOCUMENTS_SKIPPED, contract.CHUNKS_WRITTEN,
        contract.CHUNKS_EMBEDDED, contract.INGEST_ERRORS)}
    assert ("AWS/Lambda", "Errors", {"FunctionName": "ingest-fn"}) in [
        m[:3] for m in plain_metrics(titled(drawn, "docs: ingest errors"))]
    latency = plain_metrics(titled(drawn, "docs: query latency (ms)"))
    assert [(m[1], m[2], m[3]["stat"]) for m in latency] == [
        ("Duration", {"FunctionName": "query-fn"}, p) for p in ("p50", "p95", "p99")]


def test_a_bedrock_knowledge_base_gets_a_note_instead_of_pipeline_graphs() -> None:
    source = KnowledgeSource(name="kb", queue=None, dead_letter_queue=None, ingest_function=None, query_function=None)
    drawn = board(knowledge_section(source))
    assert [w["type"] for w in drawn] == ["text", "text"]
    assert "Bedrock runs this knowledge base's ingestion" in drawn[1]["properties"]["markdown"]


def test_evaluation_draws_each_headline_figure_with_a_line_per_model() -> None:
    source = EvaluationSource(environment="dev", models=["alpha", "beta"], quality_metrics=["rougeL", "json_valid"])
    drawn = board(evaluation_section(source))
    for figure in ("rougeL", "json_valid", "error_rate", "latency_p95_s"):
        title = {"error_rate": "evaluation: error rate", "latency_p95_s": "evaluation: p95 latency (s)"}.get(
            figure, f"evaluation: {figure}")
        lines = plain_metrics(titled(drawn, title))
        assert [(m[0], m[1], m[2], m[3]["label"], m[3]["period"]) for m in lines] == [
            (contract.EVALUATION_NAMESPACE, contract.EVALUATION_VALUE,
             {"Environment": "dev", "Model": model, "Metric": figure}, model, 86400) for model in ("alpha", "beta")]
    assert set(contract.EVALUATION_OPERATIONAL) >= {"error_rate", "latency_p95_s"}


def test_the_ingest_function_runs_under_the_service_name_the_dashboard_reads(
    default_templates: dict[str, Template],
) -> None:
    functions = default_templates["dev/Knowledge"].find_resources("AWS::Lambda::Function")
    ingest = [f for f in functions.values()
              if f["Properties"].get("Handler") == "handler.handler"
              and "parse, chunk, embed" in f["Properties"].get("Description", "")]
    assert ingest
    for fn in ingest:
        assert fn["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"] == \
            contract.KNOWLEDGE_INGEST_SERVICE
