"""Fixtures for fmkit.evaluate tests. Network use is limited to servers bound to 127.0.0.1."""

from __future__ import annotations

import os

import pytest

from fmkit.evaluate.summary import EvaluationSummary, summarize
from tests.unit.evaluate import _runs as runs


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    # Fake credentials and no proxies: a test can never reach AWS or leave the machine.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        if var in os.environ:
            monkeypatch.delenv(var)


@pytest.fixture(scope="session")
def summary() -> EvaluationSummary:
    """The four models of `_runs` summarised once (bootstrapping is the slow part)."""
    dataset = runs.dataset()
    return summarize(runs.result(dataset, runs.answers(dataset), runs.PRICES, runs.PLANS), n_resamples=400)
