"""EvaluationWorkflow alone: prepare → Distributed Map over the dataset → summarize, logging to an
encrypted log group with the platform's retention, reading and writing with the platform key."""

from __future__ import annotations

from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from fmkit.config.evaluation import EvaluationConfig
from stacks.evaluation.functions import EvaluationFunctions
from stacks.evaluation.workflow import EvaluationWorkflow
from tests.infra.constructs import bare_stack, platform_resources

ENVIRONMENT = {"EVAL_BUCKET": "b", "DATASET_BUCKET": "b", "DATASET_KEY": "d.jsonl", "FMKIT_PROJECT": "demo",
               "FMKIT_ENVIRONMENT": "dev", "EVAL_MODELS": '["chat"]'}


def test_workflow_logs_and_decrypts_with_the_platform_resources() -> None:
    stack = bare_stack()
    platform = platform_resources(stack)
    functions = EvaluationFunctions(stack, "Functions", platform=platform, environment=ENVIRONMENT)
    bucket = s3.Bucket(stack, "Runs")
    settings = EvaluationConfig.model_validate({"enabled": True, "dataset_key": "d.jsonl", "batch_size": 3,
                                                "max_concurrency": 2})
    EvaluationWorkflow(stack, "Workflow", settings=settings, functions=functions, bucket=bucket,
                       dataset_bucket=bucket, dataset_key="d.jsonl", platform=platform)
    template = Template.from_stack(stack)
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}
    logs = template.find_resources("AWS::Logs::LogGroup")
    workflow_logs = next(g for k, g in logs.items() if k.startswith("WorkflowLogs"))
    assert workflow_logs["Properties"]["RetentionInDays"] == 14
    assert workflow_logs["Properties"]["KmsKeyId"] == stack.resolve(platform.key.key_arn)
    policies = template.find_resources("AWS::IAM::Policy")
    machine_policy = next(p for k, p in policies.items() if k.startswith("WorkflowStateMachineRole"))
    assert {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": stack.resolve(platform.key.key_arn)} in machine_policy["Properties"]["PolicyDocument"][
        "Statement"]
