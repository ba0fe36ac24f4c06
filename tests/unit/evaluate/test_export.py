"""Exports of real `fmkit eval` and `fmkit eval-retrieval` runs, validated line by line against JSON
Schemas written from the Bedrock user guide's documented dataset formats; no key ever leaks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from fmkit.evaluate import parse_dataset, run_evaluation
from fmkit.evaluate.adapters.base import InvocationError
from fmkit.evaluate.export import (
    ExportError,
    export_model_eval,
    export_retrieve_and_generate,
    export_retrieve_only,
    identifier,
    write_exports,
)
from fmkit.evaluate.records import ChatRequest, Completion
from fmkit.evaluate.retrieval.dataset import parse_retrieval_dataset
from fmkit.evaluate.retrieval.runner import evaluate_retriever, write_manifest
from fmkit.evaluate.targets import parse_endpoint_override
from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer
from fmkit.knowledge.models import QueryHit

SECRET = "sk-live-0123456789abcdef-DO-NOT-LEAK"
IDENTIFIER = {"type": "string", "pattern": "^[a-zA-Z0-9]([a-zA-Z0-9._-]){0,255}$"}
TEXT = {"type": "object", "required": ["content"], "additionalProperties": False,
        "properties": {"content": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["text"], "additionalProperties": False,
            "properties": {"text": {"type": "string"}}}}}}
RESULTS = {"type": "object", "required": ["retrievalResults"], "additionalProperties": False,
           "properties": {"retrievalResults": {"type": "array", "items": {
               "type": "object", "required": ["content"], "additionalProperties": False,
               "properties": {"name": {"type": "string"},
                              "content": {"type": "object", "required": ["text"], "additionalProperties": False,
                                          "properties": {"text": {"type": "string"}}},
                              "metadata": {"type": "object", "additionalProperties": {"type": "string"}}}}}}}

# https://docs.aws.amazon.com/bedrock/latest/userguide/model-evaluation-prompt-datasets-judge.html
# ("Prepare a dataset for an evaluation job using your own inference response data"): prompt,
# optional referenceResponse and category, modelResponses with exactly one {response, modelIdentifier}.
MODEL_EVAL_SCHEMA = {
    "type": "object", "required": ["prompt", "modelResponses"], "additionalProperties": False,
    "properties": {
        "prompt": {"type": "string", "minLength": 1},
        "referenceResponse": {"type": "string"},
        "category": {"type": "string"},
        "modelResponses": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
            "type": "object", "required": ["response", "modelIdentifier"], "additionalProperties": False,
            "properties": {"response": {"type": "string"}, "modelIdentifier": IDENTIFIER}}},
    },
}


def rag_schema(output: dict[str, Any]) -> dict[str, Any]:
    turn = {"type": "object", "required": ["prompt", "output"], "additionalProperties": False,
            "properties": {"prompt": TEXT, "referenceResponses": {"type": "array", "items": TEXT},
                           "referenceContexts": {"type": "array", "items": TEXT}, "output": output}}
    return {"type": "object", "required": ["conversationTurns"], "additionalProperties": False,
            "properties": {"conversationTurns": {"type": "array", "minItems": 1, "maxItems": 1, "items": turn}}}


# https://docs.aws.amazon.com/bedrock/latest/userguide/knowledge-base-evaluation-prompt-retrieve.html
# ("... retrieve-only evaluation job using your own inference response data").
RETRIEVE_ONLY_SCHEMA = rag_schema({
    "type": "object", "required": ["knowledgeBaseIdentifier", "retrievedResults"], "additionalProperties": False,
    "properties": {"knowledgeBaseIdentifier": IDENTIFIER, "retrievedResults": RESULTS}})
# https://docs.aws.amazon.com/bedrock/latest/userguide/knowledge-base-evaluation-prompt-retrieve-generate.html
# ("... retrieve-and-generate evaluation job using your own inference response data").
RETRIEVE_GENERATE_SCHEMA = rag_schema({
    "type": "object", "required": ["text", "knowledgeBaseIdentifier", "retrievedPassages"],
    "additionalProperties": False,
    "properties": {"text": {"type": "string"}, "modelIdentifier": IDENTIFIER, "knowledgeBaseIdentifier": IDENTIFIER,
                   "retrievedPassages": RESULTS}})

ITEMS = [
    {"id": "refund", "prompt": "How do I get a refund?", "reference": "Use the returns form.", "tags": ["billing"]},
    {"id": "chat", "system": "Be brief.", "messages": [{"role": "user", "content": "Hi"},
                                                      {"role": "assistant", "content": "Hello!"},
                                                      {"role": "user", "content": "Opening hours?"}],
     "reference": "9 to 5."},
    {"id": "fails", "prompt": "Break please", "reference": "n/a"},
]


class Canned:
    """A Bedrock or SageMaker stand-in: answers from a table, fails on 'fails'."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def invoke(self, request: ChatRequest) -> Completion:
        last = request.messages[-1].content
        if last == "Break please":
            raise InvocationError("server_error", "boom", status=500)
        return Completion(text=f"{self.prefix}: {last}", latency_s=0.01, ttft_s=None)


@pytest.fixture
def eval_run(tmp_path: Path) -> Iterator[Path]:
    dataset_path = tmp_path / "dataset.jsonl"
    dataset_path.write_text("".join(json.dumps(i) + "\n" for i in ITEMS), encoding="utf-8")
    dataset = parse_dataset(dataset_path.read_text(encoding="utf-8"), dataset_path)
    with FakeOpenAIServer({"echo": Behaviour()}) as server:
        targets = [parse_endpoint_override(f"llama-graviton={server.base_url('echo')}", api_key=SECRET),
                   parse_endpoint_override("nova/lite=arn:aws:bedrock:eu-west-1:111111111111:"
                                           "application-inference-profile/abc123"),
                   parse_endpoint_override("qwen=sagemaker:fmkit-demo-dev-qwen")]
        out = tmp_path / "run"
        run_evaluation(dataset, targets, out_dir=out, concurrency=1, progress=False,
                       adapters={"nova/lite": Canned("nova"), "qwen": Canned("qwen")})
    # An older run could have recorded a key in a URL: the export must not copy it either.
    manifest = json.loads((out / "run.json").read_text())
    manifest["targets"][0]["endpoint"]["base_url"] = f"http://user:{SECRET}@127.0.0.1/v1"
    manifest["api_key"] = SECRET
    (out / "run.json").write_text(json.dumps(manifest))
    yield out


def validate_file(path: Path, schema: dict[str, Any]) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text
    lines = [json.loads(line) for line in text.splitlines()]
    for line in lines:
        jsonschema.validate(line, schema)
    return lines


def test_every_model_of_an_eval_run_exports_to_the_documented_model_eval_format(eval_run: Path,
                                                                                tmp_path: Path) -> None:
    exports = export_model_eval(eval_run)
    assert {e.name: (len(e.lines), e.skipped) for e in exports} == {"llama-graviton": (3, 0), "nova-lite": (2, 1),
                                                                    "qwen": (2, 1)}
    paths = write_exports(exports, tmp_path / "bedrock")
    assert sorted(p.name for p in paths) == ["llama-graviton.jsonl", "nova-lite.jsonl", "qwen.jsonl"]
    qwen = {line["prompt"]: line for line in validate_file(tmp_path / "bedrock" / "qwen.jsonl", MODEL_EVAL_SCHEMA)}
    refund = qwen["How do I get a refund?"]
    assert refund["referenceResponse"] == "Use the returns form." and refund["category"] == "billing"
    assert refund["modelResponses"] == [{"response": "qwen: How do I get a refund?", "modelIdentifier": "qwen"}]
    chat = qwen["System: Be brief.\n\nUser: Hi\n\nAssistant: Hello!\n\nUser: Opening hours?"]
    assert chat["modelResponses"][0]["response"] == "qwen: Opening hours?" and "category" not in chat
    for path in paths:
        validate_file(path, MODEL_EVAL_SCHEMA)
        assert {line["modelResponses"][0]["modelIdentifier"] for line in validate_file(path, MODEL_EVAL_SCHEMA)} \
            == {path.stem}  # one modelIdentifier per job


def test_a_single_file_needs_a_single_model_and_the_dataset_must_be_unchanged(eval_run: Path,
                                                                             tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="need one job each"):
        write_exports(export_model_eval(eval_run), tmp_path / "all.jsonl")
    [path] = write_exports(export_model_eval(eval_run, models=["nova/lite"]), tmp_path / "nova.jsonl")
    assert len(validate_file(path, MODEL_EVAL_SCHEMA)) == 2
    with pytest.raises(ExportError, match="no results for mistral"):
        export_model_eval(eval_run, models=["mistral"])
    (eval_run.parent / "dataset.jsonl").write_text(json.dumps(ITEMS[0]) + "\n", encoding="utf-8")
    with pytest.raises(ExportError, match="changed since the run"):
        export_model_eval(eval_run)


def test_over_a_thousand_prompts_are_split_into_jobs(tmp_path: Path) -> None:
    from fmkit.evaluate.export import Export

    lines = [{"prompt": f"p{i}", "modelResponses": [{"response": "r", "modelIdentifier": "m"}]} for i in range(1001)]
    paths = write_exports([Export("m", lines, 0)], tmp_path / "m.jsonl")
    assert [(p.name, len(p.read_text().splitlines())) for p in paths] == [("m.part1.jsonl", 1000),
                                                                          ("m.part2.jsonl", 1)]


class Fixed:
    def retrieve(self, question: str, k: int) -> list[QueryHit]:
        return [QueryHit(text=f"passage about {question}", score=0.75, source_key="s3://kb/docs/a.md", bucket="kb",
                         key="docs/a.md", version_id=None, chunk_index=3, content_hash="h")]


def retrieval_run(tmp_path: Path) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text('{"id": "refund", "question": "How do I get a refund?", "expected_sources": ["docs/a.md"], '
                    '"expected_passages": ["returns form"], "reference": "Use the returns form."}\n'
                    '{"id": "chat", "question": "Opening hours?", "expected_sources": ["docs/b.md"]}\n',
                    encoding="utf-8")
    dataset = parse_retrieval_dataset(path.read_text(), path)
    out = tmp_path / "retrieval"
    summary, _ = evaluate_retriever(dataset, Fixed(), name="local-recursive-400-o0-hash", description="", k=1,
                                    out_dir=out)
    write_manifest(out, dataset, [summary])
    return out


def test_a_retrieval_run_exports_to_the_documented_retrieve_only_format(tmp_path: Path) -> None:
    [export] = export_retrieve_only(retrieval_run(tmp_path))
    [path] = write_exports([export], tmp_path / "rag.jsonl")
    first = validate_file(path, RETRIEVE_ONLY_SCHEMA)[0]["conversationTurns"][0]
    assert first["prompt"] == {"content": [{"text": "How do I get a refund?"}]}
    assert first["referenceResponses"] == [{"content": [{"text": "Use the returns form."}]}]
    assert first["referenceContexts"] == [{"content": [{"text": "returns form"}]}]
    assert first["output"]["knowledgeBaseIdentifier"] == "local-recursive-400-o0-hash"
    assert first["output"]["retrievedResults"]["retrievalResults"] == [
        {"name": "docs/a.md#3", "content": {"text": "passage about How do I get a refund?"},
         "metadata": {"source": "s3://kb/docs/a.md", "score": "0.750000"}}]


def test_answers_joined_with_retrieved_passages_export_to_retrieve_and_generate(eval_run: Path,
                                                                               tmp_path: Path) -> None:
    exports = export_retrieve_and_generate(eval_run, retrieval=retrieval_run(tmp_path), models=["qwen"])
    [path] = write_exports(exports, tmp_path / "rag-generate.jsonl")
    lines = validate_file(path, RETRIEVE_GENERATE_SCHEMA)
    outputs = {line["conversationTurns"][0]["output"]["text"]: line["conversationTurns"][0]["output"]
               for line in lines}
    assert outputs["qwen: How do I get a refund?"]["modelIdentifier"] == "qwen"
    assert outputs["qwen: How do I get a refund?"]["knowledgeBaseIdentifier"] == "local-recursive-400-o0-hash"
    with pytest.raises(ExportError, match="no passages to export"):
        export_retrieve_and_generate(eval_run, retrieval=None)


def test_identifiers_follow_the_job_api_pattern() -> None:
    assert identifier("nova/lite v2") == "nova-lite-v2"
    assert identifier("_x") == "x" and identifier("///") == "fmkit"
    assert len(identifier("a" * 300)) == 256
