"""The model bucket and the deploy-time build: versioned, written only by the build and only where
its deployments' artifacts go, with the pinned llama.cpp source and GGUF digest."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

from fmkit.catalog.cards import card_for_gguf
from fmkit.catalog.llama_cpp import default_llama_cpp_version, get_llama_cpp_build
from stacks.graviton.build import LLAMA_BUILD_SCRIPT
from tests.infra.conftest import ROOT
from tests.infra.graviton.conftest import DEFAULT_GGUF_SHA256, DIGEST, as_text, only, policy_of


def test_model_bucket_is_versioned_and_keeps_old_versions_a_while(dev: Template) -> None:
    dev.has_resource_properties("AWS::S3::Bucket", {
        "VersioningConfiguration": {"Status": "Enabled"},
        "LifecycleConfiguration": {"Rules": Match.array_with([Match.object_like({
            "NoncurrentVersionExpiration": {"NoncurrentDays": 30}})])}})


def test_build_role_reads_and_writes_only_its_deployments_objects(dev: Template) -> None:
    build = get_llama_cpp_build(default_llama_cpp_version())
    assert build is not None
    policy = policy_of(dev, "GravitonModelsBuildRole")
    s3 = [s for s in policy if any(str(a).startswith("s3:") for a in _actions(s))]
    assert len(s3) == 1 and sorted(_actions(s3[0])) == ["s3:GetObject", "s3:PutObject"]
    objects = as_text(s3[0]["Resource"])
    assert f"/llama.cpp/{build.version}-{build.sha256[:12]}/graviton3/llama-cpp.tar.gz" in objects
    # a pinned digest is part of the key: another file can never land where a verified one was
    assert f"/models/llama-small/bartowski/Llama-3.2-3B-Instruct-GGUF/main/{DEFAULT_GGUF_SHA256[:12]}/" \
           "Llama-3.2-3B-Instruct-Q4_0.gguf" in objects
    assert "/*" not in objects and "Delete" not in as_text(policy) and "s3:List" not in as_text(policy)


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else [str(a) for a in action]


def test_build_runs_the_shared_llama_build_script_on_the_pinned_sdist(dev: Template) -> None:
    build = get_llama_cpp_build(default_llama_cpp_version())
    assert build is not None
    _, artifacts = only(dev, "Custom::FmkitGravitonArtifacts")
    variables = artifacts["Properties"]["Variables"]
    assert (variables["LLAMA_SDIST_URL"], variables["LLAMA_SDIST_SHA256"]) == (build.url, build.sha256)
    assert variables["ARM_ARCH"].startswith("armv8.4-a") and variables["HF_FILE"].endswith(".gguf")
    assert variables["MODEL_SHA256"] == DEFAULT_GGUF_SHA256  # checked by the build before it uploads
    _, project = only(dev, "AWS::CodeBuild::Project")
    commands = json.loads(project["Properties"]["Source"]["BuildSpec"])["phases"]["build"]["commands"]
    assert LLAMA_BUILD_SCRIPT.read_text() in commands[0]
    assert 'bash "$LLAMA_BUILD_SCRIPT"' in commands[1] and "git clone" not in json.dumps(commands)


def test_a_pinned_gguf_is_verified_by_the_build_and_keyed_by_its_digest(isolated: dict[str, Template]) -> None:
    _, artifacts = only(isolated["Graviton"], "Custom::FmkitGravitonArtifacts")
    variables = artifacts["Properties"]["Variables"]
    assert variables["MODEL_SHA256"] == DIGEST
    assert f"/{DIGEST[:12]}/" in variables["MODEL_KEY"]


def test_instances_wait_for_the_deploy_time_artifacts(dev: Template) -> None:
    artifacts_id, _ = only(dev, "Custom::FmkitGravitonArtifacts")
    _, asg = only(dev, "AWS::AutoScaling::AutoScalingGroup")
    assert artifacts_id in asg["DependsOn"]
    dev.has_resource_properties("AWS::CodeBuild::Project", {"Environment": Match.object_like({
        "Type": "ARM_CONTAINER", "Image": "aws/codebuild/amazonlinux-aarch64-standard:3.0"}),
        "EncryptionKey": Match.any_value()})


def test_own_s3_object_needs_no_download(public: Template) -> None:
    public.resource_count_is("Custom::FmkitGravitonArtifacts", 1)
    _, artifacts = only(public, "Custom::FmkitGravitonArtifacts")
    assert "MODEL_KEY" not in artifacts["Properties"]["Variables"], "own S3 object: nothing to download"
    objects = as_text([s["Resource"] for s in policy_of(public, "GravitonModelsBuildRole")
                       if "s3:PutObject" in _actions(s)])
    assert "llama-cpp.tar.gz" in objects and ".gguf" not in objects


def test_the_default_config_pins_the_digest_its_model_card_gives() -> None:
    card = card_for_gguf("bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q4_0.gguf")
    assert card is not None and card.providers.ec2_graviton is not None
    assert card.providers.ec2_graviton.files["Q4_0"].sha256 == DEFAULT_GGUF_SHA256
    assert f"sha256: {DEFAULT_GGUF_SHA256}" in (ROOT / "model_configs/models/llama-small.yaml").read_text()
