"""Lambda entry points of the evaluation workflow; the work is in `logic` (testable without Lambda)."""

from __future__ import annotations

import os
from typing import Any

import boto3
import logic

_clients: dict[str, Any] = {}


def _client(name: str) -> Any:
    if name not in _clients:  # reused across warm invocations
        _clients[name] = boto3.session.Session().client(name)  # type: ignore[call-overload]
    return _clients[name]


def _settings() -> logic.Settings:
    return logic.Settings.from_environment(os.environ)


def prepare(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return logic.prepare(event, _settings(), s3=_client("s3"), ssm=_client("ssm"))


def evaluate(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return logic.evaluate_batch(event, _settings(), s3=_client("s3"))


def summarize(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    return logic.summarize_run(event, _settings(), s3=_client("s3"), cloudwatch=_client("cloudwatch"))
