"""The boot script's functions run for real (bash, sha256sum, tar, python3, curl against a loopback
/health) with stand-ins only for `aws` and the metadata service: what an instance does on its first
boot, on a warm-pool start, and at each lifecycle transition."""

from __future__ import annotations

import hashlib
import io
import tarfile
import time
from pathlib import Path

import pytest

from tests.runtime.graviton.boot_harness import GROUP, INSTANCE_ID, Boot, health_server, make_boot

GGUF = b"GGUF" + bytes(range(256)) * 64
DIGEST = hashlib.sha256(GGUF).hexdigest()


def complete(result: str) -> list[str]:
    return ["autoscaling", "complete-lifecycle-action", "--region", "eu-west-1", "--auto-scaling-group-name", GROUP,
            "--lifecycle-hook-name", "fmkit-serving-ready", "--instance-id", INSTANCE_ID,
            "--lifecycle-action-result", result]


@pytest.fixture
def boot(tmp_path: Path) -> Boot:
    made = make_boot(tmp_path, port=1, model_sha256=DIGEST)
    made.put_object("models/model.gguf", GGUF)
    return made


def test_first_boot_copies_and_verifies_the_model_a_warm_start_does_not_copy_again(boot: Boot) -> None:
    first = boot.run("fetch_model")
    assert first.returncode == 0, first.stderr
    model = boot.root / "models" / "model.gguf"
    assert model.read_bytes() == GGUF and oct(model.stat().st_mode & 0o777) == "0o444"
    assert len(boot.calls("s3", "cp")) == 1
    again = boot.run("fetch_model")
    assert again.returncode == 0, again.stderr
    assert len(boot.calls("s3", "cp")) == 1, "a started instance serves the model it has"
    assert "matches its sha256" in again.stdout


def test_a_model_that_does_not_match_its_pin_is_refused(tmp_path: Path) -> None:
    boot = make_boot(tmp_path, port=1, model_sha256="0" * 64)
    boot.put_object("models/model.gguf", GGUF)
    result = boot.run("fetch_model")
    assert result.returncode != 0
    assert f"sha256 {DIGEST}" in result.stdout and "pinned " + "0" * 64 in result.stdout
    assert list((tmp_path / "models").iterdir()) == [], "neither the file nor a partial copy is kept"


def test_a_damaged_model_on_disk_is_copied_again(boot: Boot) -> None:
    assert boot.run("fetch_model").returncode == 0
    model = boot.root / "models" / "model.gguf"
    model.chmod(0o644)
    model.write_bytes(GGUF[:-1] + b"x")
    result = boot.run("fetch_model")
    assert result.returncode == 0, result.stderr
    assert model.read_bytes() == GGUF and len(boot.calls("s3", "cp")) == 2


def test_an_unpinned_model_is_checked_for_gguf_and_its_digest_logged(tmp_path: Path) -> None:
    boot = make_boot(tmp_path, port=1, model_sha256=None)
    boot.put_object("models/model.gguf", GGUF)
    result = boot.run("fetch_model")
    assert result.returncode == 0, result.stderr
    assert f"model sha256 is {DIGEST} (not pinned" in result.stdout
    boot.put_object("models/model.gguf", b"<html>not found</html>")
    (tmp_path / "models" / "model.gguf").unlink()
    assert boot.run("fetch_model").returncode != 0


def _tarball(version: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data, mode in (("bin/llama-server", b"#!/bin/sh\n", 0o755), ("VERSION", version.encode(), 0o644)):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), mode
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_llama_cpp_is_fetched_once_per_build(boot: Boot) -> None:
    boot.put_object("llama.cpp/llama-cpp.tar.gz", _tarball("abc123 armv8.4-a aarch64\n"))
    assert boot.run("fetch_llama").returncode == 0
    assert (boot.root / "llama.cpp" / "bin" / "llama-server").is_file()
    assert boot.run("fetch_llama").returncode == 0
    assert len(boot.calls("s3", "cp")) == 1, "the installed build matches: nothing to fetch"


def test_a_new_build_replaces_the_installed_one(tmp_path: Path) -> None:
    boot = make_boot(tmp_path, port=1, llama_build_id="def456 armv8.4-a")
    (tmp_path / "llama.cpp" / "bin").mkdir(parents=True)
    (tmp_path / "llama.cpp" / "bin" / "llama-server").write_text("old")
    (tmp_path / "llama.cpp" / "bin" / "llama-server").chmod(0o755)
    (tmp_path / "llama.cpp" / "VERSION").write_text("abc123 armv8.4-a aarch64\n")
    boot.put_object("llama.cpp/llama-cpp.tar.gz", _tarball("def456 armv8.4-a aarch64\n"))
    assert boot.run("fetch_llama").returncode == 0
    assert (tmp_path / "llama.cpp" / "VERSION").read_text().startswith("def456")


@pytest.mark.parametrize(("secret", "key"), [
    ('{"api_key": "Generated48Letters0123"}', "Generated48Letters0123"),
    ("my-own-bare-key\n", "my-own-bare-key"),
    ('"a-json-string-key"', "a-json-string-key"),
])
def test_the_key_file_holds_the_bare_key_clients_send(boot: Boot, secret: str, key: str) -> None:
    boot.set_secret(secret)
    result = boot.run("write_api_key")
    assert result.returncode == 0, result.stderr
    key_file = boot.root / "conf" / "api-key"
    assert key_file.read_text() == key + "\n"
    assert oct(key_file.stat().st_mode & 0o777) == "0o440"
    assert all(secret.strip() not in " ".join(call) for call in boot.calls())


@pytest.mark.parametrize("secret", ['{"password": "x"}', "", "two\nlines"])
def test_a_secret_without_a_key_fails_the_boot(boot: Boot, secret: str) -> None:
    boot.set_secret(secret)
    result = boot.run("write_api_key")
    assert result.returncode != 0
    assert not (boot.root / "conf" / "api-key").exists()


def test_the_hook_is_released_with_continue_for_this_instance_and_group(boot: Boot) -> None:
    result = boot.run("complete_lifecycle_action CONTINUE")
    assert result.returncode == 0, result.stderr
    assert boot.calls("autoscaling") == [complete("CONTINUE")]


def test_a_refused_completion_is_retried_then_logged_not_fatal(boot: Boot) -> None:
    (boot.home / "complete-exit-code").write_text("254")
    result = boot.run("complete_lifecycle_action CONTINUE")
    assert result.returncode == 0
    assert len(boot.calls("autoscaling")) == 3 and "not completed" in result.stdout


def test_a_failed_boot_abandons_the_launch(boot: Boot) -> None:
    result = boot.run("trap abandon_unless_ready EXIT\nfalse")
    assert result.returncode != 0
    assert boot.calls("autoscaling") == [complete("ABANDON")]
    assert boot.run("trap abandon_unless_ready EXIT\ntrue").returncode == 0
    assert len(boot.calls("autoscaling")) == 1, "a boot that reached serving abandons nothing"


def test_health_gates_the_wait(tmp_path: Path) -> None:
    with health_server([503, 503, 200]) as (port, endpoint):
        boot = make_boot(tmp_path, port=port)
        result = boot.run("wait_until_healthy $((SECONDS + 20))")
        assert result.returncode == 0 and endpoint.seen == 3
    with health_server([503]) as (port, _):
        boot = make_boot(tmp_path / "down", port=port)
        assert boot.run("wait_until_healthy $((SECONDS + 2))").returncode != 0


def _wait_for(boot: Boot, count: int, timeout: float = 20) -> list[list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        calls = boot.calls("autoscaling")
        if len(calls) >= count:
            return calls
        time.sleep(0.1)
    return boot.calls("autoscaling")


def test_every_transition_releases_the_hook_once(tmp_path: Path) -> None:
    """Into the warm pool (stopped or running), into service without a reboot (a running pool),
    back to the pool on scale-in: one CONTINUE each, none repeated while the state holds."""
    with health_server([200]) as (port, _):
        boot = make_boot(tmp_path, port=port)
        boot.set_target("Warmed:Running")
        follower = boot.start("follow_lifecycle")
        try:
            assert _wait_for(boot, 1) == [complete("CONTINUE")]
            time.sleep(0.5)
            assert len(boot.calls("autoscaling")) == 1, "the same state is not released twice"
            boot.set_target("InService")
            assert _wait_for(boot, 2) == [complete("CONTINUE")] * 2
            boot.set_target("Warmed:Stopped")
            assert _wait_for(boot, 3) == [complete("CONTINUE")] * 3
        finally:
            follower.kill()
            follower.wait()


def test_an_instance_that_stops_serving_is_abandoned_on_its_way_into_service(tmp_path: Path) -> None:
    with health_server([503]) as (port, _):
        boot = make_boot(tmp_path, port=port, boot_timeout_seconds=1)
        boot.set_target("InService")
        follower = boot.start("follow_lifecycle")
        try:
            assert _wait_for(boot, 1) == [complete("ABANDON")]
        finally:
            follower.kill()
            follower.wait()


def test_outside_an_auto_scaling_group_nothing_is_released(boot: Boot) -> None:
    follower = boot.start("follow_lifecycle")
    time.sleep(1)
    follower.kill()
    follower.wait()
    assert boot.calls("autoscaling") == []
