"""The customization stack's template: the state machines' job parameters, IAM scoped to the data
objects and output prefixes, KMS everywhere, the promotion gate, and what removes SDK-created resources."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match, Template

from fmkit.contracts.customization import CustomizationSettings
from fmkit.customize.gguf import conversion_script
from stacks.customization.conversion_spec import TOOLS, WORK
from tests.infra.customization.conftest import definition, policy_statements

DATA = "arn:aws:s3:::support-llm-data-111111111111/customization"


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else list(value)


def resources(statement: dict[str, Any]) -> list[Any]:
    value = statement["Resource"]
    return value if isinstance(value, list) else [value]


def test_one_state_machine_per_customization_in_order(customization: Template) -> None:
    customization.resource_count_is("AWS::StepFunctions::StateMachine", 2)
    peft, bedrock = definition(customization, "SupportQwen"), definition(customization, "SupportNova")
    assert peft["StartAt"] == bedrock["StartAt"] == "ValidateData"
    chain = [peft["States"][s]["Next"] for s in ("ValidateData", "Train", "ConvertAndAnswer", "RegisterCandidate")]
    assert chain == ["Train", "ConvertAndAnswer", "RegisterCandidate", "Decide"]
    assert bedrock["States"]["ServeCandidate"]["Next"] == "WaitForServing"
    assert bedrock["States"]["ServingReady"]["Choices"][0]["Next"] == "AnswerHoldout"
    for machine in (peft, bedrock):  # every step reports a failure to the alarm topic
        tasks = [s for s in machine["States"].values() if s["Type"] == "Task" and s.get("Catch")]
        assert tasks and all(t["Catch"][0]["Next"] == "NotifyFailure" for t in tasks)


def test_training_job_is_sync_spot_with_checkpoints_and_the_kits_script(customization: Template) -> None:
    train = definition(customization, "SupportQwen")["States"]["Train"]
    assert train["Resource"] == "arn:aws:states:::sagemaker:createTrainingJob.sync"
    params = train["Parameters"]
    assert params["TrainingJobName.$"] == "$.validation.job_name" and "TrainingJobName" not in params
    assert params["EnableManagedSpotTraining"] is True
    assert params["StoppingCondition"] == {"MaxRuntimeInSeconds": 10800, "MaxWaitTimeInSeconds": 21600}
    assert params["CheckpointConfig"] == {"S3Uri.$": "$.validation.checkpoint_uri", "LocalPath": "/opt/ml/checkpoints"}
    assert params["AlgorithmSpecification"]["TrainingImage"].startswith(
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:2.9.0-transformers5.3.0-gpu")
    hyper = params["HyperParameters"]
    assert hyper["method"] == '"lora"' and hyper["base_model"] == '"Qwen/Qwen2.5-1.5B-Instruct"'
    assert hyper["sagemaker_program"] == '"train.py"' and hyper["lora_r"] == "16"
    assert [c["ChannelName"] for c in params["InputDataConfig"]] == ["train", "validation"]
    assert params["OutputDataConfig"]["S3OutputPath"] == "s3://<token>/customizations/support-qwen/training/"
    assert params["OutputDataConfig"]["KmsKeyId"] == params["ResourceConfig"]["VolumeKmsKeyId"] == "<token>"
    tags = {t["Key"]: t["Value"] for t in params["Tags"]}
    assert tags["fmkit:customization"] == "support-qwen" and tags["fmkit:project"] == "support-llm"
    assert "fmkit:grid-gco2e-per-kwh" in tags and float(tags["fmkit:est-kgco2e-month"]) > 0  # carbon tags


def test_bedrock_job_is_sync_with_the_permissions_sync_needs(customization: Template) -> None:
    job = definition(customization, "SupportNova")["States"]["Customize"]
    assert job["Resource"] == "arn:aws:states:::bedrock:createModelCustomizationJob.sync"
    params = job["Parameters"]
    assert params["BaseModelIdentifier"] == "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k"
    assert params["CustomizationType"] == "FINE_TUNING" and params["JobName.$"] == "$.validation.job_name"
    assert params["HyperParameters"] == {"epochCount": "2", "learningRate": "1e-05", "learningRateWarmupSteps": "10"}
    assert params["TrainingDataConfig"] == {"S3Uri": "s3://support-llm-data-111111111111/customization/triage/"
                                                     "train.jsonl"}
    assert {"Key": "fmkit:customization", "Value": "support-nova"} in params["CustomModelTags"]
    statements = policy_statements(customization, "SupportNovaWorkflowStateMachineRole")
    sync = next(s for s in statements if "bedrock:GetModelCustomizationJob" in actions(s))
    assert set(actions(sync)) == {"bedrock:GetModelCustomizationJob", "bedrock:StopModelCustomizationJob"}
    assert resources(sync) == ["arn:aws:bedrock:us-east-1:111111111111:model-customization-job/*"]
    passrole = next(s for s in statements if actions(s) == ["iam:PassRole"])
    assert passrole["Condition"] == {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}}


def test_sagemaker_permissions_are_scoped_to_this_customizations_jobs(customization: Template) -> None:
    statements = policy_statements(customization, "SupportQwenWorkflowStateMachineRole")
    jobs = next(s for s in statements if "sagemaker:CreateTrainingJob" in actions(s))
    assert resources(jobs) == ["arn:aws:sagemaker:us-east-1:111111111111:training-job/support-qwen-*"]
    assert "sagemaker:StopTrainingJob" in actions(jobs)


def test_roles_read_the_data_objects_and_write_only_their_prefixes(customization: Template) -> None:
    training = policy_statements(customization, "SupportQwenTrainingRole")
    reads = next(s for s in training if actions(s) == ["s3:GetObject"] and DATA in json.dumps(s))
    assert resources(reads) == [f"{DATA}/support/train.jsonl*", f"{DATA}/support/validation.jsonl*"]
    writes = [s for s in training if "s3:PutObject" in actions(s)]
    written = json.dumps([resources(s) for s in writes])
    assert "/customizations/support-qwen/training/*" in written and "/checkpoints/support-qwen/*" in written
    for statement in (s for s in training if any(a.startswith("s3:") for a in actions(s))):
        assert "s3:*" not in actions(statement) and "*" not in resources(statement)
    service = policy_statements(customization, "SupportNovaServiceRole")
    assert any(resources(s) == [f"{DATA}/triage/train.jsonl*"] for s in service if actions(s) == ["s3:GetObject"])
    customization.has_resource_properties("AWS::IAM::Role", {
        "Description": Match.string_like_regexp("Bedrock customization job"),
        "AssumeRolePolicyDocument": {"Statement": [Match.object_like({"Condition": {
            "StringEquals": {"aws:SourceAccount": "111111111111"},
            "ArnLike": {"aws:SourceArn": "arn:aws:bedrock:us-east-1:111111111111:model-customization-job/*"}}})]}})


def test_kms_everywhere(customization: Template) -> None:
    bucket = customization.find_resources("AWS::S3::Bucket")["CustomizationArtifacts"]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"][
        "SSEAlgorithm"] == "aws:kms"
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    for group in customization.find_resources("AWS::Logs::LogGroup").values():
        assert "KmsKeyId" in group["Properties"]
    for project in customization.find_resources("AWS::CodeBuild::Project").values():
        assert "EncryptionKey" in project["Properties"]
    for function in customization.find_resources("AWS::Lambda::Function").values():
        assert "KmsKeyArn" in function["Properties"]


def test_the_promotion_gate_decides_and_both_outcomes_publish(customization: Template) -> None:
    for name in ("SupportQwen", "SupportNova"):
        states = definition(customization, name)["States"]
        gate = states["PromotionGate"]
        assert gate["Choices"] == [{"Variable": "$.decision.promoted", "BooleanEquals": True, "Next": "Promote"}]
        assert gate["Default"] == "KeepRejected" and states["Decide"]["Next"] == "PromotionGate"
        assert states["Promote"]["Resource"] == states["KeepRejected"]["Resource"]  # the publish function
        assert states["Promote"]["Next"] == states["KeepRejected"]["Next"] == "Done"


def test_conversion_runs_the_gguf_lines_on_arm64(customization: Template) -> None:
    project = next(iter(customization.find_resources("AWS::CodeBuild::Project").values()))["Properties"]
    assert project["Environment"]["Type"] == "ARM_CONTAINER"
    assert project["Environment"]["Image"] == "aws/codebuild/amazonlinux-aarch64-standard:3.0"
    spec = json.loads(project["Source"]["BuildSpec"])
    lines = conversion_script(TOOLS, __import__("pathlib").Path(f"{WORK}/model/merged"),
                              __import__("pathlib").Path(f"{WORK}/out"), "support-qwen", quant_types=("Q4_K_M",))
    commands = spec["phases"]["build"]["commands"]
    assert commands[-len(lines) - 1:-1] == lines and commands[-1].endswith("publish")


def test_sdk_created_resources_are_removed_on_destroy_and_listed(customization: Template) -> None:
    resource = next(iter(customization.find_resources("Custom::FmkitCustomizations").values()))["Properties"]
    assert resource["Customizations"] == ["support-nova", "support-qwen"]
    assert [p["Name"] for p in resource["Pins"]] == ["/fmkit/support-llm/dev/customizations/support-nova/pin",
                                                     "/fmkit/support-llm/dev/customizations/support-qwen/pin"]
    assert resource["Served"] == [f"/fmkit/support-llm/dev/customizations/{name}/{record}"
                                  for name in ("support-nova", "support-qwen") for record in ("candidate", "served")]
    handler = policy_statements(customization, "RegistryHandlerRole")
    deletes = next(s for s in handler if "bedrock:DeleteCustomModel" in actions(s))
    assert set(actions(deletes)) == {"bedrock:DeleteCustomModel", "bedrock:DeleteCustomModelDeployment",
                                     "bedrock:DeleteProvisionedModelThroughput"}
    outputs = customization.find_outputs("SdkCreatedResources")
    assert "removed when this stack is destroyed" in next(iter(outputs.values()))["Description"]


def test_function_environments_parse_as_their_contract(customization: Template) -> None:
    found = 0
    for function in customization.find_resources("AWS::Lambda::Function").values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        if "FMKIT_CUSTOMIZATION" not in variables:
            continue
        found += 1
        environment = {k: v if isinstance(v, str) else "token" for k, v in variables.items()}
        settings = CustomizationSettings.from_environment(environment)
        assert settings.project == "support-llm" and settings.environment == "dev"
        assert settings.deploy_command.startswith("npx cdk deploy -c env=dev")
    assert found == 4 + 6  # sagemaker-peft: validate, register, decide, publish; bedrock adds serve, answer


def test_each_candidate_is_registered_as_a_new_version_of_its_ssm_record(customization: Template) -> None:
    register = policy_statements(customization, "SupportQwenFunctionsRegisterRole")
    puts = next(s for s in register if "ssm:PutParameter" in actions(s))
    assert resources(puts) == [
        "arn:aws:ssm:us-east-1:111111111111:parameter/fmkit/support-llm/dev/customizations/support-qwen/candidate"]
    publish = policy_statements(customization, "SupportQwenFunctionsPublishRole")
    pins = next(s for s in publish if "ssm:PutParameter" in actions(s))
    assert sorted(resources(pins)) == [
        "arn:aws:ssm:us-east-1:111111111111:parameter/fmkit/support-llm/dev/customizations/support-qwen/pin",
        "arn:aws:ssm:us-east-1:111111111111:parameter/fmkit/support-llm/dev/customizations/support-qwen/served"]
