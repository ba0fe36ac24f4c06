"""What instances may do (two objects, the API key, their own launch hook) and who else may read
the key (the kit's evaluation, which calls the model)."""

from __future__ import annotations

from aws_cdk.assertions import Template

from fmkit.catalog.llama_cpp import default_llama_cpp_version, get_llama_cpp_build
from tests.infra.graviton.conftest import DEFAULT_GGUF_SHA256, KEY, SECRET, as_text, only, statements


def _by_sid(template: Template) -> dict[str, dict[str, object]]:
    return {str(s["Sid"]): s for s in statements(template) if s.get("Sid")}


def test_instance_role_reads_only_its_two_objects_and_its_key(dev: Template) -> None:
    build = get_llama_cpp_build(default_llama_cpp_version())
    assert build is not None
    sids = _by_sid(dev)
    read = sids["ReadModelAndServer"]
    resources = as_text(read["Resource"])
    assert read["Action"] == "s3:GetObject"
    assert f"llama.cpp/{build.version}-{build.sha256[:12]}/graviton3/llama-cpp.tar.gz" in resources
    assert f"models/llama-small/bartowski/Llama-3.2-3B-Instruct-GGUF/main/{DEFAULT_GGUF_SHA256[:12]}/" \
           "Llama-3.2-3B-Instruct-Q4_0.gguf" in resources
    assert "/*" not in resources
    assert sids["ReadApiKey"]["Action"] == "secretsmanager:GetSecretValue"
    assert sids["ReadApiKey"]["Resource"] == {"Ref": "ApiKeyLlamaSmall"}
    assert '"s3:*"' not in as_text(statements(dev))


def test_instances_release_only_their_own_groups_hook(dev: Template) -> None:
    hook = _by_sid(dev)["ReleaseLaunchHook"]
    assert hook["Action"] == "autoscaling:CompleteLifecycleAction"
    assert hook["Resource"] == ("arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:*:"
                                "autoScalingGroupName/fmkit-demo-dev-llama-small")
    _, asg = only(dev, "AWS::AutoScaling::AutoScalingGroup")
    assert str(hook["Resource"]).endswith("/" + asg["Properties"]["AutoScalingGroupName"])


def test_own_object_key_and_api_key_are_the_only_extra_grants(public: Template) -> None:
    sids = _by_sid(public)
    assert sids["ReadApiKey"]["Resource"] == SECRET
    assert sids["DecryptOwnModel"]["Resource"] == KEY
    assert "arn:aws:s3:::team-models/qwen/qwen2.5-7b-instruct-q4_k_m.gguf" in as_text(
        sids["ReadModelAndServer"]["Resource"])


def test_no_key_no_secret_grant(isolated: dict[str, Template]) -> None:
    assert "ReadApiKey" not in _by_sid(isolated["Graviton"])
    assert "secretsmanager" not in as_text(statements(isolated["Graviton"]))


def test_the_evaluation_may_read_the_generated_key(default_graviton: dict[str, Template]) -> None:
    """The kit's own caller joins the consumer group (network) and reads the key it must send."""
    evaluation = default_graviton["dev/Evaluation"]
    reads = [s for s in statements(evaluation) if s["Action"] == "secretsmanager:GetSecretValue"]
    assert len(reads) == 1
    assert "ApiKeyLlamaSmall" in as_text(reads[0]["Resource"])
