"""The schema custom resource: retries through propagation delays, always answers CloudFormation."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HANDLER = Path(__file__).resolve().parents[3] / "lambda" / "knowledge_index" / "handler.py"


@pytest.fixture(scope="module")
def handler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("knowledge_index_handler", HANDLER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Context:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def flaky(failures: int) -> Any:
    calls = {"n": 0}

    def ensure() -> None:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise RuntimeError("HTTP 403: data access policy not yet propagated")

    return ensure


def test_retries_with_backoff_until_the_store_accepts(handler: ModuleType) -> None:
    sleeps: list[float] = []
    attempts = handler.ensure_with_retry(flaky(5), lambda: 600_000, sleeps.append)
    assert attempts == 6
    assert sleeps == [2.0, 4.0, 8.0, 16.0, 30.0]  # doubled, capped at 30 s


def test_gives_up_before_the_function_times_out(handler: ModuleType) -> None:
    with pytest.raises(RuntimeError, match="403"):
        handler.ensure_with_retry(flaky(100), lambda: 31_000, lambda _: None)


@pytest.fixture
def responses(monkeypatch: pytest.MonkeyPatch, handler: ModuleType) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    class Response:
        status = 200

        def __enter__(self) -> Response:
            return self

        def __exit__(self, *args: object) -> None:
            return None

    def urlopen(request: Any, timeout: int) -> Response:
        assert request.get_method() == "PUT" and request.full_url == "https://cfn.example/response"
        sent.append(json.loads(request.data))
        return Response()

    monkeypatch.setattr(handler.urllib.request, "urlopen", urlopen)
    return sent


EVENT = {"StackId": "stack", "RequestId": "req", "LogicalResourceId": "Schema", "ResponseURL":
         "https://cfn.example/response", "ResourceProperties": {"Store": "pgvector"}}


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_create_and_update_run_the_idempotent_schema_creation(
        handler: ModuleType, responses: list[dict[str, Any]], request_type: str) -> None:
    calls: list[int] = []
    handler.lambda_handler({**EVENT, "RequestType": request_type, "PhysicalResourceId": "kept"}, Context(600_000),
                           ensure=lambda: calls.append(1))
    assert calls == [1]
    assert responses[0]["Status"] == "SUCCESS" and responses[0]["Data"] == {"Attempts": 1}
    assert responses[0]["PhysicalResourceId"] == "kept"  # an update never replaces the schema


def test_delete_leaves_the_schema_to_its_store(handler: ModuleType, responses: list[dict[str, Any]]) -> None:
    def boom() -> None:
        raise AssertionError("delete must not touch the store")

    handler.lambda_handler({**EVENT, "RequestType": "Delete", "PhysicalResourceId": "p"}, Context(1), ensure=boom)
    assert responses[0]["Status"] == "SUCCESS"


def test_failure_is_reported_not_left_hanging(handler: ModuleType, responses: list[dict[str, Any]]) -> None:
    handler.lambda_handler({**EVENT, "RequestType": "Create"}, Context(31_000), ensure=flaky(100))
    assert responses[0]["Status"] == "FAILED" and "403" in responses[0]["Reason"]
    assert responses[0]["PhysicalResourceId"] == "knowledge-schema-pgvector"
