"""Graviton rules: one test per rule (`test_rule_<id>`), each checked where `fmkit validate` reports it:
file, line, message and hint.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.catalog.instances import InstanceSpec
from fmkit.validate import RULES
from fmkit.validate.graviton import required_memory_gib
from tests.helpers import load
from tests.unit.area_configs.graviton import Problem, errors, model_yaml, only


def warnings(tmp_path: Path, files: dict[str, str | None], rule_id: str) -> list[Problem]:
    return [(p.location.display(tmp_path), p.message, p.hint) for p in load(tmp_path, files).warnings
            if p.rule == rule_id]


def test_rule_graviton_instance_is_graviton(tmp_path: Path) -> None:
    where, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml("c6i.xlarge")}))
    assert where == "models/llm.yaml:2:16"
    assert message == "'c6i.xlarge' is x86_64 (ice-lake), not Graviton"
    assert hint is not None and "c7g.xlarge" in hint


def test_rule_graviton_instance_is_graviton_unknown_type_suggests(tmp_path: Path) -> None:
    where, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml("c7g.xlarg")}))
    assert (where, message) == ("models/llm.yaml:2:16", "unknown EC2 instance type 'c7g.xlarg'")
    assert hint == "did you mean 'c7g.xlarge'?"


def test_rule_graviton_instance_in_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fmkit.catalog.instances import get_instance
    from fmkit.validate import graviton as rules

    def only_in_us(name: str) -> InstanceSpec | None:
        spec = get_instance(name)
        return None if spec is None else spec.model_copy(update={"regions": frozenset({"us-east-1"})})

    monkeypatch.setattr(rules, "get_instance", only_in_us)
    where, message, _ = only(errors(tmp_path, {"models/llm.yaml": model_yaml()}))
    assert (where, message) == ("models/llm.yaml:2:16", "'c7g.xlarge' is not offered in eu-west-1")


def test_rule_graviton_model_fits_memory(tmp_path: Path) -> None:
    where, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml("c7g.large", size=4.7)}))
    assert where == "models/llm.yaml:8:13"
    assert message == "a 4.7 GiB model with a 1024 MiB prompt cache needs about 8.6 GiB of RAM; c7g.large has 4 GiB"
    assert hint is not None and "memory-optimised" in hint and "server.cache_ram_mib" in hint


def test_rule_graviton_model_fits_memory_counts_the_prompt_cache(tmp_path: Path) -> None:
    """3.8 GiB fits 8 GiB with the default 1 GiB cache, not with llama-server's own 8 GiB default."""
    fits = model_yaml("c7g.xlarge", size=3.8)
    assert load(tmp_path, {"models/llm.yaml": fits}).environment("dev").models["llm"]
    big_cache = model_yaml("c7g.xlarge", size=3.8, extra="server:\n  cache_ram_mib: 8192\n")
    _, message, _ = only(errors(tmp_path / "big", {"models/llm.yaml": big_cache}))
    assert "with a 8192 MiB prompt cache needs about 14.6 GiB" in message


def test_memory_headroom_is_twenty_percent_plus_two_gib_plus_the_cache() -> None:
    assert required_memory_gib(10, 0) == pytest.approx(14.0)
    assert required_memory_gib(10, 2048) == pytest.approx(16.0)


def test_rule_graviton_model_fits_memory_env_overlay_is_blamed(tmp_path: Path) -> None:
    """The overlay that picked the small instance is where the user must fix it."""
    files = {"models/llm.yaml": model_yaml("c7g.2xlarge", size=7.0),
             "environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\nmodels:\n  llm:\n'
                                      "    instance_type: c7g.xlarge\n"}
    where, message, _ = only(errors(tmp_path, files))
    assert where == "models/llm.yaml:8:13" and "c7g.xlarge has 8 GiB" in message


def test_rule_graviton_threads_within_vcpus(tmp_path: Path) -> None:
    where, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra="server:\n  threads: 16\n")}))
    assert where == "models/llm.yaml:11:12"
    assert message == "16 threads on 4 vCPUs oversubscribes the cores and slows decoding"
    assert hint == "use at most 4, or omit threads to use all vCPUs"


def test_rule_graviton_context_per_slot(tmp_path: Path) -> None:
    extra = "server:\n  context_size: 2048\n  parallel: 8\n  default_max_tokens: 128\n"
    where, message, _ = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert (where, message) == ("models/llm.yaml:12:13", "8 slots leave 256 tokens of context each")


def test_rule_graviton_public_needs_public_subnets(tmp_path: Path) -> None:
    extra = ("exposure:\n  mode: public\n  certificate_arn: arn:aws:acm:eu-west-1:111111111111:certificate/"
             "12345678-1234-1234-1234-123456789012\n  allowed_cidrs: [203.0.113.0/24]\n")
    files = {"models/llm.yaml": model_yaml(extra=extra),
             "environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\nplatform:\n  vpc:\n'
                                      "    egress: none\n"}
    where, message, hint = only(errors(tmp_path, files))
    assert where == "models/llm.yaml:11:9"
    assert "needs public subnets" in message and hint is not None and "egress: nat" in hint


def test_rule_graviton_hf_revision_pinned(tmp_path: Path) -> None:
    text = model_yaml().replace("revision: 0123456789abcdef0123456789abcdef01234567", "revision: main")
    found = warnings(tmp_path, {"models/llm.yaml": text}, "graviton-hf-revision-pinned")
    assert found == [("models/llm.yaml:7:15",
                      "revision 'main' is not a commit, so the served file can change between deploys",
                      "pin the 40-hex commit shown on the file's Hub page")]


def test_rule_graviton_public_open_to_world(tmp_path: Path) -> None:
    extra = ("exposure:\n  mode: public\n  certificate_arn: arn:aws:acm:eu-west-1:111111111111:certificate/"
             "12345678-1234-1234-1234-123456789012\n  allowed_cidrs: [0.0.0.0/0]\n")
    found = warnings(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}, "graviton-public-open-to-world")
    assert len(found) == 1 and found[0][0] == "models/llm.yaml:13:18"
    assert found[0][2] == "list client networks instead"
    no_key = extra + "server:\n  require_api_key: false\n"
    found = warnings(tmp_path / "b", {"models/llm.yaml": model_yaml(extra=no_key)}, "graviton-public-open-to-world")
    assert found[0][2] == "set server.require_api_key: true, or list client networks instead"


def test_rule_graviton_output_within_context(tmp_path: Path) -> None:
    extra = "server:\n  context_size: 4096\n  parallel: 4\n  default_max_tokens: 2048\n"
    where, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert where == "models/llm.yaml:13:23"
    assert message == ("default_max_tokens 2048 exceeds the 1024 tokens of context each slot has (prompt included), "
                       "which bound every answer")
    assert hint == "use at most 1024, or raise context_size / lower parallel"


def test_rule_graviton_warm_pool_not_hibernated(tmp_path: Path) -> None:
    extra = "autoscaling:\n  warm_pool:\n    state: hibernated\n"
    where, message, hint = only(errors(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}))
    assert where == "models/llm.yaml:12:12"
    assert message.startswith("hibernated warm pools are not supported: hibernation must be enabled in the launch "
                              "template")
    assert "RAM + model" in message and hint is not None and "state: stopped" in hint
    for state in ("stopped", "running"):
        ok = model_yaml(extra=f"autoscaling:\n  warm_pool:\n    state: {state}\n")
        assert load(tmp_path / state, {"models/llm.yaml": ok}).environment("dev").models["llm"]


def test_rule_graviton_model_sha256_pinned(tmp_path: Path) -> None:
    found = warnings(tmp_path, {"models/llm.yaml": model_yaml()}, "graviton-model-sha256-pinned")
    assert found == [("models/llm.yaml:4:3",
                      "the GGUF is not pinned by sha256, so a changed or substituted file would be served",
                      "add model.sha256 (the Hub shows it on the file's page; the build log and each instance's "
                      "boot log print the digest of the file they got)")]
    pinned = model_yaml().replace("  size_gib:", f"  sha256: {'ab' * 32}\n  size_gib:")
    assert warnings(tmp_path / "b", {"models/llm.yaml": pinned}, "graviton-model-sha256-pinned") == []


def test_rule_graviton_internal_cidr_admits_vpc(tmp_path: Path) -> None:
    extra = "exposure:\n  allowed_cidrs: [10.0.0.0/8, 192.168.10.0/24]\n"
    found = warnings(tmp_path, {"models/llm.yaml": model_yaml(extra=extra)}, "graviton-internal-cidr-admits-vpc")
    assert len(found) == 1
    where, message, hint = found[0]
    assert where == "models/llm.yaml:11:18"
    assert message == ("10.0.0.0/8 overlaps the environment's VPC (10.0.0.0/16): every workload there could call "
                       "the model, not only its consumers")
    assert hint is not None and "consumer_security_group_ids" in hint


def test_every_graviton_rule_has_a_test() -> None:
    tested = {name.removeprefix("test_rule_").replace("_", "-") for name in globals() if name.startswith("test_rule_")}
    assert {r for r in RULES if r.startswith("graviton-")} <= tested
