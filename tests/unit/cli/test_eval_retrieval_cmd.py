"""`fmkit eval-retrieval` against the deployed query URL found in SSM (moto), served on loopback;
bad input and nothing-measured exit codes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from fmkit.cli.commands import app
from tests.helpers import write_config

PROJECT = """
    name: demo
    owner: team@example.com
    cost_center: CC-1
    knowledge_bases:
      docs: {}
"""
HIT = {"text": "Employees get thirty days of paid vacation.", "score": 0.9, "source_key": "s3://b/hr/vacation.md",
       "bucket": "b", "key": "hr/vacation.md", "version_id": "v1", "chunk_index": 0, "content_hash": "h"}


class QueryUrl(BaseHTTPRequestHandler):
    status = 200
    authorizations: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.authorizations.append(self.headers.get("Authorization", ""))
        body = json.dumps({"results": [HIT]} if self.status == 200 else {"Message": "Forbidden"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def query_url() -> Iterator[tuple[str, type[QueryUrl]]]:
    handler = type("Handler", (QueryUrl,), {"authorizations": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", handler
    finally:
        server.shutdown()


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(name, value)
    dataset = tmp_path / "q.jsonl"
    dataset.write_text('{"id": "v", "question": "vacation days?", "expected_sources": ["hr/vacation.md"]}\n'
                       '{"id": "p", "question": "parking?", "expected_sources": ["facilities/parking.md"]}\n',
                       encoding="utf-8")
    return {"config": write_config(tmp_path / "cfg", {"project.yaml": PROJECT}), "dataset": dataset,
            "out": tmp_path / "out"}


def run(files: dict[str, Path], *extra: str) -> Any:
    return CliRunner().invoke(app, ["eval-retrieval", "dev", "docs", "--dataset", str(files["dataset"]),
                                    "--out", str(files["out"]), "-C", str(files["config"]), *extra])


def publish(url: str) -> None:
    boto3.client("ssm", region_name="eu-west-1").put_parameter(
        Name="/fmkit/demo/dev/knowledge/docs/query", Type="String",
        Value=json.dumps({"mode": "pipeline", "function_name": "q", "function_url": url}))


def test_the_deployed_query_url_from_ssm_is_signed_and_scored(files: dict[str, Path],
                                                              query_url: tuple[str, type[QueryUrl]]) -> None:
    url, handler = query_url
    with mock_aws():
        publish(url)
        result = run(files, "--min-score", "hit_rate=0.5", "--max-score", "latency_p95_s=5")
    assert result.exit_code == 0, result.output
    report = json.loads((files["out"] / "retrieval-report.json").read_text())
    assert report["runs"][0]["name"] == "deployed"
    assert report["runs"][0]["metrics"]["hit_rate"] == 0.5  # vacation found, parking not
    assert all("/eu-west-1/lambda/aws4_request" in a for a in handler.authorizations)


def test_a_query_url_that_refuses_everything_measures_nothing(files: dict[str, Path],
                                                              query_url: tuple[str, type[QueryUrl]]) -> None:
    url, handler = query_url
    handler.status = 403
    result = run(files, "--url", url)
    assert result.exit_code == 3
    assert "no question could be answered" in result.output


@pytest.mark.parametrize(("extra", "message"), [
    (("--min-score", "hit_rat=0.5"), "did you mean 'hit_rate'?"),
    (("--min-score", "latency_p95_s=1"), "use --max-score latency_p95_s=1"),
    (("--min-score", "mrr"), "expected METRIC=NUMBER"),
])
def test_bad_thresholds_are_bad_input(files: dict[str, Path], extra: tuple[str, ...], message: str) -> None:
    result = run(files, *extra)
    assert result.exit_code == 2 and message in result.output


def test_an_unknown_knowledge_base_and_a_bad_dataset_are_bad_input(files: dict[str, Path]) -> None:
    unknown = CliRunner().invoke(app, ["eval-retrieval", "dev", "doc", "--dataset", str(files["dataset"]),
                                       "-C", str(files["config"])])
    assert unknown.exit_code == 2 and "did you mean 'docs'?" in unknown.output
    files["dataset"].write_text('{"id": "v", "question": "q"}\n', encoding="utf-8")
    bad = run(files)
    assert bad.exit_code == 2 and "q.jsonl:1:" in bad.output


def test_missing_discovery_is_bad_input(files: dict[str, Path]) -> None:
    with mock_aws():
        result = run(files)
    assert result.exit_code == 2 and "/fmkit/demo/dev/knowledge/docs/query" in result.output
