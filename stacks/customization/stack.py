"""CustomizationStack: one workflow per customization that runs in the environment.

Created before the serving stacks: it owns the artifact bucket (published in SSM), each
customization's pin (seeded `initial`), the workflows, and the custom resource that removes
what the workflows create through the SDK when the stack is destroyed. A Graviton deployment
that names a customization resolves its pin at deploy time (see `served.py`).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_s3_assets as assets
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from fmkit.catalog import bedrock_customization as catalog
from fmkit.catalog.bedrock import foundation_model_arn
from fmkit.catalog.jumpstart import artifact_uri, get_jumpstart_model
from fmkit.config import EnvironmentConfig
from fmkit.config.customization import BedrockCustomization, Customization, SageMakerPeftCustomization
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.contracts.customization import (
    CustomizationSettings,
    bucket_parameter_name,
    candidate_parameter_name,
    pin_parameter_name,
    served_parameter_name,
)
from fmkit.customize.bedrock_job import BedrockCustomizationSpec, create_model_customization_job_request
from fmkit.customize.data_check import SAGEMAKER, bedrock_format_spec
from fmkit.customize.sagemaker_job import TrainingJobSpec, create_training_job_request, training_image
from fmkit.customize.source_archive import write_source_archive
from fmkit.estimate.customization import estimate_customizations
from stacks.common.lambda_layout import REPO_ROOT
from stacks.common.names import pascal
from stacks.common.naming import Naming
from stacks.common.platform_resources import PlatformResources
from stacks.customization.conversion import ConversionBuild
from stacks.customization.functions import CustomizationFunctions
from stacks.customization.nag_acks import acknowledge_functions, acknowledge_workflow
from stacks.customization.registry import CustomizationRegistry
from stacks.customization.roles import bedrock_role, training_role
from stacks.customization.storage import ArtifactBucket
from stacks.customization.workflow import CustomizationWorkflow
from stacks.tagging import TAG_PREFIX, mandatory_tags, tag_safe

SOURCE_ARCHIVE = REPO_ROOT / "build" / "customize" / "sourcedir.tar.gz"  # written at synth, byte-identical
PLACEHOLDER = "set-by-the-workflow"


def pascal_keys(value: Any) -> Any:
    """camelCase request keys as Step Functions' Bedrock integration takes them (PascalCase; map values kept)."""
    if isinstance(value, list):
        return [pascal_keys(v) for v in value]
    if isinstance(value, dict):
        return {(k[0].upper() + k[1:]): (v if k == "hyperParameters" else pascal_keys(v)) for k, v in value.items()}
    return value


def serving_graviton(config: EnvironmentConfig, name: str) -> tuple[str, GravitonDeployment] | None:
    """The one Graviton deployment that serves customization `name` (fmkit validate checks there is one)."""
    found = [(n, d) for n, d in sorted(config.deployments_of(GravitonDeployment).items())
             if d.model.customization == name]
    return found[0] if found else None


def initial_model(deployment: GravitonDeployment) -> str:
    """What serves before the first promotion, as the workflow fetches it: `<uri>|<sha256>`."""
    model = deployment.model
    uri = model.s3_uri if model.hf is None else f"hf://{model.hf.repo}/{model.hf.file}@{model.hf.revision}"
    return f"{uri}|{model.sha256 or ''}"


def customization_tags(name: str, custom: Customization, config: EnvironmentConfig) -> dict[str, str]:
    """Mandatory tags, the customization's own, and its plan estimate (carbon tags) — also put on
    everything the workflow creates through the SDK."""
    estimate = next(e for e in estimate_customizations(config) if e.name == f"customization:{name}")
    return {**mandatory_tags(config), **custom.tags, f"{TAG_PREFIX}customization": name,
            f"{TAG_PREFIX}hardware-arch": tag_safe(estimate.arch),
            f"{TAG_PREFIX}accelerator": tag_safe(estimate.accelerator),
            f"{TAG_PREFIX}est-usd-month": f"{estimate.footprint.usd.expected:.2f}",
            f"{TAG_PREFIX}est-kgco2e-month": f"{estimate.footprint.kg_co2e.expected:.2f}"}


class CustomizationStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig,
                 platform: PlatformResources, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, description=f"fmkit {config.name}: model customization workflows",
                         **kwargs)
        self.config, self.platform, self.naming = config, platform, Naming.of(config)
        self.artifacts = ArtifactBucket(self, "Storage", platform=platform).bucket
        ssm.StringParameter(self, "ArtifactBucketName",
                            parameter_name=bucket_parameter_name(config.project.name, config.name),
                            string_value=self.artifacts.bucket_name,
                            description="fmkit: the customization artifact bucket (serving stacks read candidates)")
        self.workflows: dict[str, CustomizationWorkflow] = {}
        pins: dict[str, dict[str, str]] = {}
        for name, custom in sorted(config.project.customizations.items()):
            if not custom.runs_in(config.name):
                continue
            tags = customization_tags(name, custom, config)
            self.workflows[name] = self._customization(name, custom, tags)
            pins[self._names(name)[0]] = tags
        records = [record for name in self.workflows for record in self._names(name)[1:]]
        self.registry = CustomizationRegistry(self, "Registry", bucket=self.artifacts, platform=platform,
                                              pins=pins, served=records)
        cdk.CfnOutput(self, "ArtifactBucket", value=self.artifacts.bucket_name,
                      description="Candidates, reports (customizations/<name>/runs/<run>/) and the registry")
        cdk.CfnOutput(self, "SdkCreatedResources", value=f"s3://{self.artifacts.bucket_name}/registry/",
                      description="What the workflows created through the SDK (Bedrock custom models, deployments, "
                                  "throughput), tagged fmkit:customization; removed when this stack is destroyed")

    def _names(self, name: str) -> tuple[str, str, str]:
        """The customization's SSM records: pin, served, candidate."""
        project, env = self.config.project.name, self.config.name
        return (pin_parameter_name(project, env, name), served_parameter_name(project, env, name),
                candidate_parameter_name(project, env, name))

    def _settings(self, name: str, custom: Customization, tags: dict[str, str]) -> CustomizationSettings:
        config = self.config
        pin, served, candidate = self._names(name)
        target = pipeline_target(config)
        common: dict[str, Any] = {
            "service_name": "customize", "project": config.project.name, "environment": config.name,
            "region": config.region, "customization": name, "kind": custom.kind,
            "bucket": self.artifacts.bucket_name, "train_uri": custom.data.train,
            "validation_uri": custom.data.validation, "evaluation_uri": custom.data.evaluation,
            "metric": custom.promotion.metric, "margin": custom.promotion.margin, "alpha": custom.promotion.alpha,
            "min_items": custom.promotion.min_items, "served_parameter": served, "pin_parameter": pin,
            "candidate_parameter": candidate,
            "topic_arn": self.platform.alarm_topic.topic_arn, "tags": tags,
            "pipeline_name": target[0] if target else None, "pipeline_region": target[1] if target else None}
        if isinstance(custom, BedrockCustomization):
            spec = bedrock_format_spec(custom.base_model, custom.method)
            provisioned = custom.output.provisioned
            return CustomizationSettings(
                **common, data_format=spec.data_format, limits=spec.settings_limits(), base_model=custom.base_model,
                bedrock_serving=custom.output.serving, serving_stack=f"{config.stack_prefix}-bedrock",
                model_units=provisioned.model_units if provisioned else None,
                commitment=provisioned.api_commitment if provisioned else None,
                deploy_command=f"npx cdk deploy -c env={config.name} '{config.name}/Bedrock'")
        found = serving_graviton(config, name)
        if found is None:
            raise ValueError(f"customization {name} is served by no Graviton deployment in {config.name}")
        return CustomizationSettings(
            **common, data_format=SAGEMAKER, base_model=initial_model(found[1]),
            serving_stack=f"{config.stack_prefix}-graviton",
            deploy_command=f"npx cdk deploy -c env={config.name} '{config.name}/Graviton'")

    def _customization(self, name: str, custom: Customization, tags: dict[str, str]) -> CustomizationWorkflow:
        scope = Construct(self, pascal(name))
        settings = self._settings(name, custom, tags)
        functions = CustomizationFunctions(scope, "Functions", settings=settings, platform=self.platform,
                                           bucket=self.artifacts)
        target = pipeline_target(self.config)
        pipeline = target[2].replace("arn:aws:", f"arn:{self.partition}:") if target else None
        functions.grant_publish(topic_arn=self.platform.alarm_topic.topic_arn, key=self.platform.key,
                                pipeline_arn=pipeline)
        workflow = CustomizationWorkflow(scope, "Workflow", name=name, functions=functions, platform=self.platform,
                                         topic=self.platform.alarm_topic)
        if isinstance(custom, BedrockCustomization):
            self._bedrock(scope, name, custom, tags, workflow, functions)
        else:
            self._peft(scope, name, custom, tags, workflow)
        acknowledge_functions(functions, self.artifacts)
        acknowledge_workflow(workflow, functions, kind=custom.kind)
        for key, value in {k: v for k, v in tags.items() if k not in mandatory_tags(self.config)}.items():
            cdk.Tags.of(scope).add(key, value)
        cdk.CfnOutput(scope, "StateMachineArn", value=workflow.state_machine.state_machine_arn,
                      description=f"Run customization {name}: aws stepfunctions start-execution --state-machine-arn "
                                  "<arn>; reports under customizations/<name>/runs/")
        return workflow

    def _bedrock(self, scope: Construct, name: str, custom: BedrockCustomization, tags: dict[str, str],
                 workflow: CustomizationWorkflow, functions: CustomizationFunctions) -> None:
        method = catalog.method_of(custom.base_model, custom.method)
        if method is None:  # fmkit validate refuses it first (customization-base-customizable)
            raise ValueError(f"{name}: no {custom.method} of {custom.base_model} in the catalog")
        base_arn = self._model_arn(method.customization_model_id)
        role = bedrock_role(scope, "ServiceRole", name=name, custom=custom, bucket=self.artifacts,
                            key=self.platform.key)
        spec = BedrockCustomizationSpec(
            job_name=PLACEHOLDER, custom_model_name=PLACEHOLDER, role_arn=role.role_arn, base_model_id=base_arn,
            customization_type=catalog.CUSTOMIZATION_TYPES[custom.method], train_uri=custom.data.train,
            output_uri=f"s3://{self.artifacts.bucket_name}/customizations/{name}/bedrock/",
            validation_uri=custom.data.validation, hyperparameters=custom.hyperparameters,
            teacher_model_id=custom.teacher_model, kms_key_id=self.platform.key.key_arn, tags=tags)
        request = pascal_keys(create_model_customization_job_request(spec))
        del request["JobName"], request["CustomModelName"]
        request.update({"JobName.$": "$.validation.job_name", "CustomModelName.$": "$.validation.custom_model_name"})
        served_base = self._model_arn(custom.base_model)
        functions.grant_bedrock(base_model_arn=served_base)
        workflow.build_bedrock(job_request=request, service_role=role, base_model_arn=base_arn)

    def _model_arn(self, model_id: str) -> str:
        return foundation_model_arn(model_id, self.config.region).replace("arn:aws:", f"arn:{self.partition}:")

    def _peft(self, scope: Construct, name: str, custom: SageMakerPeftCustomization, tags: dict[str, str],
              workflow: CustomizationWorkflow) -> None:
        config, region = self.config, self.config.region
        found = serving_graviton(config, name)
        assert found is not None  # _settings raised otherwise
        image = training_image(region, custom.training.instance_type)
        write_source_archive(SOURCE_ARCHIVE)
        source = assets.Asset(scope, "TrainingCode", path=str(SOURCE_ARCHIVE))
        jumpstart = custom.base.jumpstart_model_id
        entry = get_jumpstart_model(jumpstart) if jumpstart else None
        base_uri = artifact_uri(entry, region) if entry is not None else None
        role = training_role(scope, "TrainingRole", name=name, custom=custom, bucket=self.artifacts,
                             key=self.platform.key, image=image, source=source, base_model_uri=base_uri)
        training = custom.training
        spec = TrainingJobSpec(
            job_name=PLACEHOLDER, role_arn=role.role_arn, region=region, instance_type=training.instance_type,
            source_uri=source.s3_object_url, train_uri=custom.data.train,
            output_uri=f"s3://{self.artifacts.bucket_name}/customizations/{name}/training/",
            base_model=base_uri or str(custom.base.hf_model_id), validation_uri=custom.data.validation,
            hyperparameters={**custom.hyperparameters, "method": custom.method}, spot=training.spot,
            checkpoint_uri=f"s3://{PLACEHOLDER}/" if training.spot else None,
            max_runtime_seconds=int(training.max_runtime_hours * 3600),
            max_wait_seconds=int(training.wait_hours * 3600) if training.wait_hours else None,
            volume_size_gb=training.volume_gb, kms_key_id=self.platform.key.key_arn, tags=tags)
        request = create_training_job_request(spec, image)
        del request["TrainingJobName"]
        request["TrainingJobName.$"] = "$.validation.job_name"
        if "CheckpointConfig" in request:
            request["CheckpointConfig"] = {"S3Uri.$": "$.validation.checkpoint_uri",
                                           "LocalPath": request["CheckpointConfig"]["LocalPath"]}
        conversion = ConversionBuild(scope, "Conversion", name=name, custom=custom, serving=found[1],
                                     bucket=self.artifacts, platform=self.platform)
        workflow.build_peft(training_request=request, training_role=role, project=conversion.project)


def pipeline_target(config: EnvironmentConfig) -> tuple[str, str, str] | None:
    """(name, region, ARN) of the deploy pipeline when `project.pipeline` puts it in this account.

    CodePipeline has no resource policies: a pipeline in another (tooling) account cannot be
    started from here, so the promotion is then an EventBridge event for that account to forward.
    """
    pipeline = getattr(config.project, "pipeline", None)
    if pipeline is None or str(getattr(pipeline, "account", "")) != config.account:
        return None
    region = str(getattr(pipeline, "region", config.region))
    name = f"{config.project.name}-deploy"  # stacks/pipeline names it so
    return name, region, f"arn:aws:codepipeline:{region}:{config.account}:{name}"
