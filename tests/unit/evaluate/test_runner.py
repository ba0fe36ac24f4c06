from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from rich.console import Console

from fmkit.evaluate.adapters import AdapterOptions, RetryPolicy
from fmkit.evaluate.records import ChatRequest, Completion, GenerationParams
from fmkit.evaluate.runner import load_evaluation, read_results, results_path, run_evaluation
from fmkit.evaluate.targets import OpenAICompatEndpoint, Target, parse_endpoint_override
from fmkit.evaluate.testing import Behaviour, FakeOpenAIServer, Messages
from tests.unit.evaluate._helpers import make_dataset, qa_items

OPTIONS = AdapterOptions(timeout_s=30.0, retry=RetryPolicy(max_attempts=1))


def _reference_answer(messages: Messages) -> str:
    number = messages[-1]["content"].split()[2].rstrip(":")
    return f"Open settings and choose reset password for account {number}."


def _targets(server: FakeOpenAIServer, *routes: str) -> list[Target]:
    return [parse_endpoint_override(f"{route}={server.base_url(route)}") for route in routes]


def test_rerun_skips_finished_items_and_makes_no_requests(tmp_path: Path) -> None:
    dataset = make_dataset(qa_items(6))
    behaviours = {"a": Behaviour(answer=_reference_answer), "b": Behaviour(answer=lambda _m: "No idea.")}
    with FakeOpenAIServer(behaviours) as server:
        targets = _targets(server, "a", "b")
        first = run_evaluation(
            dataset, targets, out_dir=tmp_path, concurrency=3, adapter_options=OPTIONS, progress=False
        )
        assert dict(server.requests) == {"a": 6, "b": 6}
        second = run_evaluation(
            dataset, targets, out_dir=tmp_path, concurrency=3, adapter_options=OPTIONS, progress=False
        )
        assert dict(server.requests) == {"a": 6, "b": 6}  # zero new requests
    assert first.requests_made == {"a": 6, "b": 6}
    assert second.requests_made == {"a": 0, "b": 0} and second.resumed == {"a": 6, "b": 6}
    assert second.records == first.records
    assert [r.item_id for r in second.records_for("a")] == [f"q{i}" for i in range(6)]  # dataset order
    assert all(r.ok and r.output and r.output.startswith("Open settings") for r in second.records_for("a"))
    lines = results_path(tmp_path, "a").read_text().splitlines()
    assert len(lines) == 6 and json.loads(lines[0])["model"] == "a"


def test_errored_items_are_kept_unless_retry_errors_is_set(tmp_path: Path) -> None:
    dataset = make_dataset(qa_items(4))
    # Each distinct prompt fails once with 503, then succeeds; one attempt per run.
    flaky = Behaviour(answer=_reference_answer, fail_first=1, fail_first_status=503)
    with FakeOpenAIServer({"flaky": flaky}) as server:
        targets = _targets(server, "flaky")
        run = run_evaluation(dataset, targets, out_dir=tmp_path, adapter_options=OPTIONS, progress=False)
        assert all(not r.ok for r in run.records_for("flaky"))
        kept = run_evaluation(dataset, targets, out_dir=tmp_path, adapter_options=OPTIONS, progress=False)
        assert server.requests["flaky"] == 4 and kept.requests_made == {"flaky": 0}
        assert all(r.error and r.error.kind == "server_error" for r in kept.records_for("flaky"))
        retried = run_evaluation(
            dataset, targets, out_dir=tmp_path, adapter_options=OPTIONS, progress=False, retry_errors=True
        )
        assert server.requests["flaky"] == 8 and retried.requests_made == {"flaky": 4}
    assert all(r.ok for r in retried.records_for("flaky"))
    # The file keeps history (8 lines); reading it takes the latest record per item.
    assert len(results_path(tmp_path, "flaky").read_text().splitlines()) == 8
    assert all(r.ok for r in read_results(results_path(tmp_path, "flaky")).values())


def test_changed_prompt_or_settings_are_rerun(tmp_path: Path) -> None:
    items = qa_items(3)
    with FakeOpenAIServer({"a": Behaviour(answer=_reference_answer)}) as server:
        targets = _targets(server, "a")
        run_evaluation(make_dataset(items), targets, out_dir=tmp_path, adapter_options=OPTIONS, progress=False)
        items[1]["prompt"] = "Question number 1: how do I change my email?"
        edited = run_evaluation(make_dataset(items), targets, out_dir=tmp_path, adapter_options=OPTIONS, progress=False)
        assert edited.requests_made == {"a": 1}
        longer = run_evaluation(
            make_dataset(items),
            targets,
            out_dir=tmp_path,
            params=GenerationParams(max_tokens=99),
            adapter_options=OPTIONS,
            progress=False,
        )
        assert longer.requests_made == {"a": 3}
        assert server.requests["a"] == 7
    # Reports can be rebuilt from disk with the settings of the last run (from run.json).
    reloaded = load_evaluation(make_dataset(items), targets, tmp_path)
    assert reloaded.params.max_tokens == 99
    assert reloaded.records == longer.records


class _Overlapping:
    """Counts concurrent invoke() calls; a barrier proves `parties` calls really run at once."""

    def __init__(self, parties: int) -> None:
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self._barrier = threading.Barrier(parties)

    def invoke(self, request: ChatRequest) -> Completion:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            self._barrier.wait(timeout=30)  # raises (-> item error) if fewer workers than parties run
            return Completion(text="ok", latency_s=0.001, ttft_s=None)
        finally:
            with self._lock:
                self.active -= 1


def test_concurrency_is_bounded_per_model(tmp_path: Path) -> None:
    dataset = make_dataset(qa_items(12))
    targets = [parse_endpoint_override(f"{n}=http://127.0.0.1:9/v1") for n in ("a", "b")]
    adapters = {"a": _Overlapping(2), "b": _Overlapping(2)}
    result = run_evaluation(dataset, targets, out_dir=tmp_path, concurrency=2, adapters=adapters, progress=False)
    assert all(r.ok for model in ("a", "b") for r in result.records_for(model))  # the barriers were met
    assert adapters["a"].max_active == 2 and adapters["b"].max_active == 2  # never more than `concurrency`


def test_fake_server_counts_overlapping_requests(tmp_path: Path) -> None:
    slowish = Behaviour(answer=_reference_answer, first_token_delay_s=0.02)
    with FakeOpenAIServer({"a": slowish}) as server:
        run_evaluation(
            make_dataset(qa_items(8)),
            _targets(server, "a"),
            out_dir=tmp_path,
            concurrency=2,
            adapter_options=OPTIONS,
            progress=False,
        )
        assert server.requests["a"] == 8 and 1 <= server.max_in_flight["a"] <= 2


class _Exploding:
    """An adapter with a bug: the run must record it per item and carry on."""

    def __init__(self) -> None:
        self.calls = 0

    def invoke(self, request: ChatRequest) -> Completion:
        self.calls += 1
        if self.calls % 2:
            raise KeyError("bug")
        return Completion(text="fine", latency_s=0.01, ttft_s=None)


def test_unexpected_adapter_exception_is_an_item_error(tmp_path: Path) -> None:
    dataset = make_dataset(qa_items(4))
    target = Target(name="buggy", endpoint=OpenAICompatEndpoint(base_url="http://127.0.0.1:9/v1"))
    adapter = _Exploding()
    result = run_evaluation(
        dataset, [target], out_dir=tmp_path, concurrency=1, adapters={"buggy": adapter}, progress=False
    )
    kinds = [r.error.kind if r.error else "ok" for r in result.records_for("buggy")]
    assert sorted(kinds) == ["internal", "internal", "ok", "ok"]
    assert adapter.calls == 4


def test_torn_last_line_is_ignored_and_the_item_rerun(tmp_path: Path) -> None:
    dataset = make_dataset(qa_items(3))
    with FakeOpenAIServer({"a": Behaviour(answer=_reference_answer)}) as server:
        targets = _targets(server, "a")
        run_evaluation(dataset, targets, out_dir=tmp_path, adapter_options=OPTIONS, progress=False)
        path = results_path(tmp_path, "a")
        lines = path.read_text().splitlines()
        path.write_text("\n".join(lines[:2]) + "\n" + lines[2][: len(lines[2]) // 2])  # crash mid-write
        again = run_evaluation(dataset, targets, out_dir=tmp_path, adapter_options=OPTIONS, progress=False)
        assert again.requests_made == {"a": 1} and server.requests["a"] == 4
    assert all(r.ok for r in again.records_for("a"))


def test_fully_resumed_run_does_not_build_adapters(tmp_path: Path) -> None:
    dataset = make_dataset(qa_items(2))
    with FakeOpenAIServer({"a": Behaviour(answer=_reference_answer)}) as server:
        targets = _targets(server, "a")
        run_evaluation(dataset, targets, out_dir=tmp_path, adapter_options=OPTIONS, progress=False)
    # Same name, but now the key lives in Secrets Manager (needs AWS): never touched when nothing is pending.
    secret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:key"
    endpoint = OpenAICompatEndpoint(base_url=targets[0].endpoint.base_url, api_key_secret_arn=secret)  # type: ignore[union-attr]
    resumed = run_evaluation(dataset, [Target(name="a", endpoint=endpoint)], out_dir=tmp_path, progress=False)
    assert resumed.requests_made == {"a": 0}


def test_progress_bar_renders_per_model(tmp_path: Path) -> None:
    console = Console(record=True, width=100, force_terminal=False)
    with FakeOpenAIServer({"a": Behaviour(answer=_reference_answer), "b": Behaviour(fail_status=500)}) as server:
        run_evaluation(
            make_dataset(qa_items(2)),
            _targets(server, "a", "b"),
            out_dir=tmp_path,
            adapter_options=OPTIONS,
            console=console,
        )
    text = console.export_text()
    assert "a" in text and "2/2" in text and "2 errors" in text


def test_invalid_runs_are_rejected(tmp_path: Path) -> None:
    dataset = make_dataset(qa_items(1))
    target = parse_endpoint_override("x=http://127.0.0.1:9/v1")
    with pytest.raises(ValueError, match="unique"):
        run_evaluation(dataset, [target, target], out_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="collide"):
        run_evaluation(
            dataset,
            [
                parse_endpoint_override("a/b=http://127.0.0.1:9/v1"),
                parse_endpoint_override("a_b=http://127.0.0.1:9/v1"),
            ],
            out_dir=tmp_path,
            progress=False,
        )
    with pytest.raises(ValueError, match="concurrency"):
        run_evaluation(dataset, [target], out_dir=tmp_path, concurrency=0, progress=False)
    with pytest.raises(ValueError, match="no models"):
        run_evaluation(dataset, [], out_dir=tmp_path, progress=False)
