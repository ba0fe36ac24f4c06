"""SageMaker stack templates: each hosting mode, scaling, alarms, least privilege and images.

Two synths per module: the bundled default config (dev: inference component scaled to
zero with a schedule; prod: real-time min 1; serverless embeddings) and a custom config
(Hub container with secret, VPC and data capture; S3 archive on CPU with async and KMS).
Other capabilities' models are dropped so these tests depend only on this capability.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from sagemaker.core import image_uris

from fmkit.config import LoadedConfig
from tests.helpers import load
from tests.infra.conftest import only_provider, synth

SAGEMAKER = "AWS::SageMaker::"


@pytest.fixture(scope="module")
def default(default_config: LoadedConfig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    envs = [only_provider(e, "sagemaker") for e in default_config.environments.values()]
    return synth(envs, tmp_path_factory.mktemp("cdk-sagemaker-default"))


CUSTOM = {
    "environments/prod.yaml": 'account: "222222222222"\nregion: us-east-1\n',
    "models/mistral-hub.yaml": """
        provider: sagemaker
        source:
          container:
            framework: tgi
            version: 2.4.0
            hf_model_id: mistralai/Mistral-7B-Instruct-v0.3
            env: {MAX_TOTAL_TOKENS: "8192"}
        instance_type: ml.g5.xlarge
        secrets:
          HF_TOKEN: {secret: fmkit/hf-token, json_key: token}
        vpc: true
        data_capture: {sampling_percent: 20, capture: [input]}
        autoscaling: {min: 1, max: 3, metric: invocations_per_instance, target: 50}
    """,
    "models/llama-js.yaml": """
        provider: sagemaker
        source:
          jumpstart: {model_id: meta-textgeneration-llama-3-1-8b-instruct, accept_eula: true}
        instance_type: ml.g5.2xlarge
        license_ack: "Llama 3.1 license reviewed for this test"
        autoscaling: {min: 1, max: 2}
    """,
    "models/bge-async.yaml": """
        provider: sagemaker
        source:
          container:
            framework: tei
            version: 1.4.0
            model_data_s3_uri: s3://my-models/bge/model.tar.gz
        instance_type: ml.c6i.xlarge
        async:
          max_concurrent_invocations_per_instance: 2
          notifications: true
          include_response_in_notification: true
        autoscaling: {min: 0, max: 2, target: 5}
    """,
}


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Template]:
    loaded = load(tmp_path_factory.mktemp("config"), dict(CUSTOM))
    return synth(loaded.environments.values(), tmp_path_factory.mktemp("cdk-sagemaker-custom"))


def resources(template: Template, kind: str, name_prefix: str) -> dict[str, Any]:
    return {k: v for k, v in template.find_resources(kind).items() if k.startswith(name_prefix)}


def one(template: Template, kind: str, name_prefix: str) -> dict[str, Any]:
    found = resources(template, kind, name_prefix)
    assert len(found) == 1, sorted(found)
    return next(iter(found.values()))["Properties"]


# --- default config: inference component with scale to zero (dev) ---------------------------


def test_dev_llm_is_an_inference_component_that_scales_to_zero(default: dict[str, Template]) -> None:
    dev = default["dev/SageMaker"]
    variant = one(dev, f"{SAGEMAKER}EndpointConfig", "QwenChat")["ProductionVariants"][0]
    assert variant["ManagedInstanceScaling"] == {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 2}
    assert "ModelName" not in variant  # models attach through the inference component
    component = one(dev, f"{SAGEMAKER}InferenceComponent", "QwenChat")
    assert component["InferenceComponentName"] == "fmkit-demo-dev-qwen-chat-ic"
    assert component["Specification"]["ComputeResourceRequirements"]["NumberOfAcceleratorDevicesRequired"] == 1
    dev.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {
        "ResourceId": "inference-component/fmkit-demo-dev-qwen-chat-ic",
        "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
        "MinCapacity": 0, "MaxCapacity": 2, "ServiceNamespace": "sagemaker",
    })
    dev.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": Match.object_like({
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution"},
            "TargetValue": 4, "ScaleInCooldown": 600, "ScaleOutCooldown": 60}),
    })


def test_dev_llm_wakes_from_zero_on_no_capacity_failures(default: dict[str, Template]) -> None:
    dev = default["dev/SageMaker"]
    step = resources(dev, "AWS::ApplicationAutoScaling::ScalingPolicy", "QwenChatScalingWakeFromZero")
    (step_id, step_policy), = step.items()
    assert step_policy["Properties"]["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]
    alarm = one(dev, "AWS::CloudWatch::Alarm", "QwenChatScalingNoCapacity")
    assert alarm["MetricName"] == "NoCapacityInvocationFailures"
    assert (alarm["Period"], alarm["Statistic"]) == (60, "Sum")  # a 1-minute metric: shorter periods see nothing
    assert alarm["Dimensions"] == [{"Name": "InferenceComponentName", "Value": "fmkit-demo-dev-qwen-chat-ic"}]
    assert alarm["AlarmActions"] == [{"Ref": step_id}]


def test_dev_schedule_warms_office_hours_and_allows_zero_at_night(default: dict[str, Template]) -> None:
    target = one(default["dev/SageMaker"], "AWS::ApplicationAutoScaling::ScalableTarget", "QwenChat")
    assert target["ScheduledActions"] == [
        {"ScheduledActionName": "office-hours", "Schedule": "cron(0 8 ? * MON-FRI *)", "Timezone": "Europe/Dublin",
         "ScalableTargetAction": {"MinCapacity": 1, "MaxCapacity": 2}},
        {"ScheduledActionName": "evening", "Schedule": "cron(0 19 ? * MON-FRI *)", "Timezone": "Europe/Dublin",
         "ScalableTargetAction": {"MinCapacity": 0, "MaxCapacity": 2}},
    ]


# --- default config: real-time with min 1 (prod) and serverless --------------------------------


def test_prod_llm_is_realtime_with_min_one_instance(default: dict[str, Template]) -> None:
    prod = default["prod/SageMaker"]
    prod.resource_count_is(f"{SAGEMAKER}InferenceComponent", 0)
    variant = one(prod, f"{SAGEMAKER}EndpointConfig", "QwenChat")["ProductionVariants"][0]
    assert variant["InstanceType"] == "ml.g5.2xlarge" and variant["InitialInstanceCount"] == 1
    assert variant["RoutingConfig"] == {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"}
    prod.has_resource_properties("AWS::ApplicationAutoScaling::ScalableTarget", {
        "ResourceId": "endpoint/fmkit-demo-prod-qwen-chat/variant/AllTraffic",
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount", "MinCapacity": 1, "MaxCapacity": 4,
    })
    prod.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "TargetTrackingScalingPolicyConfiguration": Match.object_like({"PredefinedMetricSpecification": {
            "PredefinedMetricType": "SageMakerVariantConcurrentRequestsPerModelHighResolution"}}),
    })
    assert not resources(prod, "AWS::ApplicationAutoScaling::ScalingPolicy", "QwenChatScalingWakeFromZero")


def test_nvme_instances_get_no_kms_key_but_isolation_stays_on(custom: dict[str, Template]) -> None:
    """g5 has local NVMe storage (hardware-encrypted): CreateEndpointConfig rejects a KmsKeyId."""
    config = one(custom["prod/SageMaker"], f"{SAGEMAKER}EndpointConfig", "LlamaJs")
    assert "KmsKeyId" not in config
    model = one(custom["prod/SageMaker"], f"{SAGEMAKER}Model", "LlamaJs")
    assert model["EnableNetworkIsolation"] is True  # JumpStart weights come from S3, not the internet


def test_a_hub_container_downloads_so_it_is_not_isolated(default: dict[str, Template]) -> None:
    model = one(default["prod/SageMaker"], f"{SAGEMAKER}Model", "QwenChat")
    assert model["EnableNetworkIsolation"] is False
    assert model["PrimaryContainer"]["Environment"]["HF_MODEL_ID"] == "Qwen/Qwen2.5-7B-Instruct"


def test_serverless_embedding_endpoint(default: dict[str, Template]) -> None:
    dev = default["dev/SageMaker"]
    variant = one(dev, f"{SAGEMAKER}EndpointConfig", "BgeEmbed")["ProductionVariants"][0]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 4096, "MaxConcurrency": 10}
    assert "InstanceType" not in variant
    assert not resources(dev, "AWS::ApplicationAutoScaling::ScalableTarget", "BgeEmbed")
    image = one(dev, f"{SAGEMAKER}Model", "BgeEmbed")["PrimaryContainer"]["Image"]
    assert image == image_uris.retrieve(framework="huggingface-tei-cpu", region="eu-west-1", version="1.8.2",
                                        image_scope="inference", instance_type="ml.c6i.xlarge")


def test_jumpstart_weights_come_from_the_regional_prepacked_prefix(custom: dict[str, Template]) -> None:
    container = one(custom["prod/SageMaker"], f"{SAGEMAKER}Model", "LlamaJs")["PrimaryContainer"]
    source = container["ModelDataSource"]["S3DataSource"]
    assert source["S3Uri"].startswith("s3://jumpstart-private-cache-prod-us-east-1/meta-textgeneration/") or \
        source["S3Uri"].startswith("s3://jumpstart-cache-prod-us-east-1/meta-textgeneration/")
    assert source["CompressionType"] == "None" and source["S3DataType"] == "S3Prefix"
    assert container["Image"] == image_uris.retrieve(framework="djl-lmi", region="us-east-1", version="0.29.0",
                                                     image_scope="inference", instance_type="ml.g5.2xlarge")


def test_execution_role_is_scoped_to_the_image_repository_and_artifact_prefix(custom: dict[str, Template]) -> None:
    policy = one(custom["prod/SageMaker"], "AWS::IAM::Policy", "LlamaJsExecution")
    statements = {s.get("Sid"): s for s in policy["PolicyDocument"]["Statement"]}
    assert statements["PullServingImage"]["Resource"] == "arn:aws:ecr:us-east-1:763104351884:repository/djl-inference"
    prefix = "meta-textgeneration/meta-textgeneration-llama-3-1-8b-instruct/artifacts/inference-prepack/v2.0.0/*"
    assert statements["ReadModelArtifacts"]["Resource"].endswith(prefix)
    actions = [a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    assert not [a for a in actions if a.endswith("*")], actions


def test_alarms_go_to_the_platform_topic(default: dict[str, Template]) -> None:
    alarms = resources(default["prod/SageMaker"], "AWS::CloudWatch::Alarm", "QwenChatAlarms")
    by_metric = {a["Properties"]["MetricName"]: a["Properties"] for a in alarms.values()}
    assert set(by_metric) == {"ModelLatency", "Invocation5XXErrors", "Invocation4XXErrors"}
    assert by_metric["ModelLatency"]["ExtendedStatistic"] == "p95"
    assert by_metric["ModelLatency"]["Threshold"] == 20000 * 1000  # microseconds
    for alarm in by_metric.values():
        assert len(alarm["AlarmActions"]) == 1
        assert "fmkit-demo-prod-platform" in json.dumps(alarm["AlarmActions"])  # the Platform stack's topic


def test_outputs_consumer_policy_and_discovery(default: dict[str, Template]) -> None:
    dev = default["dev/SageMaker"]
    outputs = dev.find_outputs("*")
    assert outputs["QwenChatEndpointName"]["Value"] == "fmkit-demo-dev-qwen-chat"
    assert outputs["QwenChatInvokeUrl"]["Value"] == (
        "https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/fmkit-demo-dev-qwen-chat/invocations")
    assert "QwenChatConsumerPolicyArn" in outputs
    statement = one(dev, "AWS::IAM::ManagedPolicy", "QwenChatConsumer")["PolicyDocument"]["Statement"]
    assert statement == [{"Action": ["sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"],
                          "Effect": "Allow",
                          "Resource": "arn:aws:sagemaker:eu-west-1:111111111111:endpoint/fmkit-demo-dev-qwen-chat"}]
    parameter = one(dev, "AWS::SSM::Parameter", "QwenChat")
    assert parameter["Name"] == "/fmkit/fmkit-demo/dev/models/qwen-chat/endpoint"
    assert json.loads(parameter["Value"]) == {"provider": "sagemaker", "endpoint_name": "fmkit-demo-dev-qwen-chat",
                                              "inference_component_name": "fmkit-demo-dev-qwen-chat-ic",
                                              "region": "eu-west-1"}


def test_endpoint_logical_id_is_pinned_and_tagged(default: dict[str, Template]) -> None:
    endpoints = default["prod/SageMaker"].find_resources(f"{SAGEMAKER}Endpoint")
    assert sorted(endpoints) == ["BgeEmbedEndpoint", "QwenChatEndpoint"]
    tags = {t["Key"]: t["Value"] for t in endpoints["QwenChatEndpoint"]["Properties"]["Tags"]}
    assert tags["fmkit:model"] == "qwen-chat" and tags["fmkit:environment"] == "prod"
    component = one(default["dev/SageMaker"], f"{SAGEMAKER}InferenceComponent", "QwenChat")
    assert {t["Key"] for t in component["Tags"]} >= {"fmkit:model", "fmkit:project", "fmkit:cost-center"}


# --- custom config: Hub container, secrets, VPC, data capture, async, KMS ----------------------


def test_hub_token_is_a_dynamic_reference_never_a_value(custom: dict[str, Template]) -> None:
    env = one(custom["dev/SageMaker"], f"{SAGEMAKER}Model", "MistralHub")["PrimaryContainer"]["Environment"]
    assert env["HF_TOKEN"] == "{{resolve:secretsmanager:fmkit/hf-token:SecretString:token::}}"
    assert env["HF_MODEL_ID"] == "mistralai/Mistral-7B-Instruct-v0.3" and env["MAX_TOTAL_TOKENS"] == "8192"


def test_hub_model_runs_in_the_platform_vpc_without_isolation(custom: dict[str, Template]) -> None:
    model = one(custom["dev/SageMaker"], f"{SAGEMAKER}Model", "MistralHub")
    assert model["EnableNetworkIsolation"] is False  # it downloads from the Hub at start
    assert len(model["VpcConfig"]["Subnets"]) == 2 and len(model["VpcConfig"]["SecurityGroupIds"]) == 1
    custom["dev/Platform"].resource_count_is("AWS::EC2::VPC", 1)


def test_data_capture_goes_to_a_pinned_kms_bucket(custom: dict[str, Template]) -> None:
    dev = custom["dev/SageMaker"]
    config = one(dev, f"{SAGEMAKER}EndpointConfig", "MistralHub")
    capture = config["DataCaptureConfig"]
    assert capture["InitialSamplingPercentage"] == 20 and capture["CaptureOptions"] == [{"CaptureMode": "Input"}]
    assert "KmsKeyId" in capture
    buckets = dev.find_resources("AWS::S3::Bucket")
    assert "MistralHubDataCaptureBucket" in buckets
    encryption = buckets["MistralHubDataCaptureBucket"]["Properties"]["BucketEncryption"]
    assert encryption["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"][
        "SSEAlgorithm"] == "aws:kms"
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.g5.xlarge"
    dev.has_resource_properties("AWS::ApplicationAutoScaling::ScalingPolicy", {
        "TargetTrackingScalingPolicyConfiguration": Match.object_like({
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            "TargetValue": 50})})


def test_async_cpu_endpoint_encrypts_its_volume_and_results(custom: dict[str, Template]) -> None:
    dev = custom["dev/SageMaker"]
    config = one(dev, f"{SAGEMAKER}EndpointConfig", "BgeAsync")
    assert "KmsKeyId" in config  # ml.c6i has EBS storage only: encrypt with the platform key
    output = config["AsyncInferenceConfig"]["OutputConfig"]
    assert "KmsKeyId" in output and "S3OutputPath" in output
    assert config["AsyncInferenceConfig"]["ClientConfig"] == {"MaxConcurrentInvocationsPerInstance": 2}
    assert "RoutingConfig" not in config["ProductionVariants"][0]
    model = one(dev, f"{SAGEMAKER}Model", "BgeAsync")
    assert model["PrimaryContainer"]["ModelDataUrl"] == "s3://my-models/bge/model.tar.gz"
    assert model["EnableNetworkIsolation"] is True
    read = [s for s in one(dev, "AWS::IAM::Policy", "BgeAsyncExecution")["PolicyDocument"]["Statement"]
            if s.get("Sid") == "ReadModelArtifacts"]
    assert read[0]["Resource"] == "arn:aws:s3:::my-models/bge/model.tar.gz"


def test_async_results_and_failures_go_to_the_kms_bucket_and_notify_sns(custom: dict[str, Template]) -> None:
    dev = custom["dev/SageMaker"]
    output = one(dev, f"{SAGEMAKER}EndpointConfig", "BgeAsync")["AsyncInferenceConfig"]["OutputConfig"]
    bucket = "BgeAsyncAsyncResultsBucket"
    assert output["S3OutputPath"] == {"Fn::Join": ["", ["s3://", {"Ref": bucket}, "/results"]]}
    assert output["S3FailurePath"] == {"Fn::Join": ["", ["s3://", {"Ref": bucket}, "/failures"]]}
    assert "Key961B73FD" in json.dumps(output["KmsKeyId"])  # the platform key
    topics = resources(dev, "AWS::SNS::Topic", "BgeAsync")
    success = next(k for k in topics if "Success" in k)
    error = next(k for k in topics if "Error" in k)
    assert output["NotificationConfig"] == {"SuccessTopic": {"Ref": success}, "ErrorTopic": {"Ref": error},
                                            "IncludeInferenceResponseIn": ["SUCCESS_NOTIFICATION_TOPIC"]}
    for topic in (success, error):
        assert "Key961B73FD" in json.dumps(topics[topic]["Properties"]["KmsMasterKeyId"])
    publish = [s for s in one(dev, "AWS::IAM::Policy", "BgeAsyncExecution")["PolicyDocument"]["Statement"]
               if s.get("Sid") == "PublishAsyncNotifications"]
    assert len(publish) == 1 and publish[0]["Action"] == "sns:Publish"
    assert sorted(r["Ref"] for r in publish[0]["Resource"]) == sorted([success, error])
    outputs = dev.find_outputs("*")
    assert {"BgeAsyncAsyncInputS3Uri", "BgeAsyncAsyncSuccessTopicArn", "BgeAsyncAsyncErrorTopicArn"} <= set(outputs)
    # No notifications configured: no topics for the real-time model.
    assert not resources(dev, "AWS::SNS::Topic", "MistralHub")


def test_async_consumer_may_upload_requests_and_read_outcomes_only(custom: dict[str, Template]) -> None:
    dev = custom["dev/SageMaker"]
    statements = one(dev, "AWS::IAM::ManagedPolicy", "BgeAsyncConsumer")["PolicyDocument"]["Statement"]
    by_sid = {s.get("Sid", "invoke"): s for s in statements}
    assert by_sid["invoke"]["Action"] == "sagemaker:InvokeEndpointAsync"
    assert by_sid["invoke"]["Resource"] == "arn:aws:sagemaker:eu-west-1:111111111111:endpoint/demo-dev-bge-async"
    bucket_arn = {"Fn::GetAtt": ["BgeAsyncAsyncResultsBucket", "Arn"]}
    assert by_sid["UploadAsyncRequests"]["Action"] == "s3:PutObject"
    assert by_sid["UploadAsyncRequests"]["Resource"] == {"Fn::Join": ["", [bucket_arn, "/inputs/*"]]}
    assert by_sid["ReadAsyncOutcomes"]["Action"] == "s3:GetObject"
    outcomes = by_sid["ReadAsyncOutcomes"]["Resource"]
    assert sorted(r["Fn::Join"][1][1] for r in outcomes) == ["/failures/*", "/results/*"]
    assert all(r["Fn::Join"][1][0] == bucket_arn for r in outcomes)
    assert by_sid["UseBucketKey"]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
    parameter = one(dev, "AWS::SSM::Parameter", "BgeAsync")
    assert "async_input_s3_uri" in json.dumps(parameter["Value"])


def test_async_scales_on_backlog_per_instance_and_wakes_from_zero(custom: dict[str, Template]) -> None:
    dev = custom["dev/SageMaker"]
    target = one(dev, "AWS::ApplicationAutoScaling::ScalableTarget", "BgeAsync")
    assert target["ResourceId"] == "endpoint/demo-dev-bge-async/variant/AllTraffic"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 2)
    policies = resources(dev, "AWS::ApplicationAutoScaling::ScalingPolicy", "BgeAsync")
    tracking = [p["Properties"] for p in policies.values() if p["Properties"]["PolicyType"] == "TargetTrackingScaling"]
    assert len(tracking) == 1
    spec = tracking[0]["TargetTrackingScalingPolicyConfiguration"]
    assert spec["TargetValue"] == 5
    assert spec["CustomizedMetricSpecification"] == {
        "MetricName": "ApproximateBacklogSizePerInstance", "Namespace": "AWS/SageMaker", "Statistic": "Average",
        "Dimensions": [{"Name": "EndpointName", "Value": "demo-dev-bge-async"}]}
    (step_id,) = [k for k, p in policies.items() if p["Properties"]["PolicyType"] == "StepScaling"]
    assert policies[step_id]["Properties"]["StepScalingPolicyConfiguration"]["StepAdjustments"] == [
        {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]
    alarm = one(dev, "AWS::CloudWatch::Alarm", "BgeAsyncScalingBacklogWithoutCapacity")
    assert alarm["MetricName"] == "HasBacklogWithoutCapacity" and alarm["Namespace"] == "AWS/SageMaker"
    assert alarm["Dimensions"] == [{"Name": "EndpointName", "Value": "demo-dev-bge-async"}]
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"] == [{"Ref": step_id}]


@pytest.mark.parametrize(("env", "region"), [("dev", "eu-west-1"), ("prod", "us-east-1")])
def test_image_uris_resolve_per_region(custom: dict[str, Template], env: str, region: str) -> None:
    template = custom[f"{env}/SageMaker"]
    tgi = one(template, f"{SAGEMAKER}Model", "MistralHub")["PrimaryContainer"]["Image"]
    tei = one(template, f"{SAGEMAKER}Model", "BgeAsync")["PrimaryContainer"]["Image"]
    assert tgi == image_uris.retrieve(framework="huggingface-llm", region=region, version="2.4.0",
                                      image_scope="inference", instance_type="ml.g5.xlarge")
    assert tei == image_uris.retrieve(framework="huggingface-tei-cpu", region=region, version="1.4.0",
                                      image_scope="inference", instance_type="ml.c6i.xlarge")
    assert f".dkr.ecr.{region}.amazonaws.com/" in tgi and f".dkr.ecr.{region}.amazonaws.com/tei-cpu:" in tei


def test_stack_only_exists_when_a_sagemaker_model_is_enabled(tmp_path: Path) -> None:
    import aws_cdk as cdk

    from stacks.stage import EnvironmentStage

    model = ("provider: sagemaker\nenabled: false\n"
             "source: {jumpstart: {model_id: huggingface-llm-qwen2-5-7b-instruct}}\ninstance_type: ml.g5.2xlarge\n")
    env = load(tmp_path, {"models/m.yaml": model}).environment("dev")
    stage = EnvironmentStage(cdk.App(), "dev", config=env)
    assert "SageMaker" not in stage.stacks
