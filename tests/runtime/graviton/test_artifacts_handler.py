"""The artifact build's custom-resource handler (lambda/graviton_artifacts) against a CodeBuild double."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:llm-key-AbCdEf"


def _handler() -> Any:
    spec = importlib.util.spec_from_file_location("graviton_artifacts_handler",
                                                  ROOT / "lambda" / "graviton_artifacts" / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeCodeBuild:
    def __init__(self, status: str = "IN_PROGRESS") -> None:
        self.status = status
        self.started: list[dict[str, Any]] = []

    def start_build(self, **kwargs: Any) -> dict[str, Any]:
        self.started.append(kwargs)
        return {"build": {"id": "proj:1"}}

    def batch_get_builds(self, ids: list[str]) -> dict[str, Any]:
        return {"builds": [{"id": ids[0], "buildStatus": self.status, "logs": {"deepLink": "https://logs"}}]}


PROPS: dict[str, Any] = {"ProjectName": "proj", "Bucket": "bkt", "HfTokenSecretArn": SECRET,
         "Variables": {"LLAMA_KEY": "llama.cpp/0.3.36-832db0699007/graviton3/llama-cpp.tar.gz",
                       "MODEL_KEY": "models/m.gguf", "MODEL_SHA256": "ab" * 32}}


def test_handler_starts_a_build_with_the_token_as_a_secret_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, fake = _handler(), FakeCodeBuild()
    monkeypatch.setattr(handler, "_codebuild", lambda: fake)
    result = handler.on_event({"RequestType": "Create", "ResourceProperties": PROPS})
    assert result == {"PhysicalResourceId": "s3://bkt/llama.cpp/0.3.36-832db0699007/graviton3/llama-cpp.tar.gz|"
                                            "models/m.gguf",
                      "Data": {"BuildId": "proj:1"}}
    overrides = fake.started[0]["environmentVariablesOverride"]
    assert {"name": "HF_TOKEN", "value": SECRET, "type": "SECRETS_MANAGER"} in overrides
    assert {"name": "BUCKET", "value": "bkt", "type": "PLAINTEXT"} in overrides
    assert {"name": "MODEL_SHA256", "value": "ab" * 32, "type": "PLAINTEXT"} in overrides


def test_handler_waits_succeeds_and_fails_with_the_log_link(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = _handler()
    event = {"RequestType": "Update", "ResourceProperties": PROPS, "Data": {"BuildId": "proj:1"}}
    for status, expected in (("IN_PROGRESS", {"IsComplete": False}),
                             ("SUCCEEDED", {"IsComplete": True, "Data": {
                                 "LlamaKey": PROPS["Variables"]["LLAMA_KEY"], "ModelKey": "models/m.gguf"}})):
        monkeypatch.setattr(handler, "_codebuild", lambda s=status: FakeCodeBuild(s))
        assert handler.is_complete(event) == expected
    monkeypatch.setattr(handler, "_codebuild", lambda: FakeCodeBuild("FAILED"))
    with pytest.raises(RuntimeError, match="ended FAILED; see https://logs"):
        handler.is_complete(event)


def test_handler_delete_keeps_shared_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    handler, fake = _handler(), FakeCodeBuild()
    monkeypatch.setattr(handler, "_codebuild", lambda: fake)
    assert handler.on_event({"RequestType": "Delete", "PhysicalResourceId": "x", "ResourceProperties": PROPS}) == {
        "PhysicalResourceId": "x"}
    assert handler.is_complete({"RequestType": "Delete"}) == {"IsComplete": True}
    assert fake.started == []
