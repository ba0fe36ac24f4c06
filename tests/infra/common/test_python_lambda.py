"""PythonFunction alone: arm64, its own encrypted log group with the given retention, the
Powertools variables, active tracing, and a role that may only decrypt with the key."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from stacks.common.python_lambda import PythonFunction
from tests.infra.constructs import bare_stack


def test_function_logs_encrypted_and_its_role_only_decrypts() -> None:
    stack = bare_stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    PythonFunction(stack, "Fn", entry="bedrock_logging", key=key, log_retention=logs.RetentionDays.ONE_WEEK,
                   environment={"EXTRA": "1"})
    template = Template.from_stack(stack)
    (function,) = template.find_resources("AWS::Lambda::Function").values()
    props = function["Properties"]
    assert props["Architectures"] == ["arm64"] and props["Handler"] == "handler.handler"
    assert props["Environment"]["Variables"] == {"POWERTOOLS_SERVICE_NAME": "bedrock_logging",
                                                 "POWERTOOLS_LOG_LEVEL": "INFO", "EXTRA": "1"}
    assert props["KmsKeyArn"] == stack.resolve(key.key_arn) and props["TracingConfig"] == {"Mode": "Active"}
    (group,) = template.find_resources("AWS::Logs::LogGroup").values()
    assert group["Properties"]["RetentionInDays"] == 7
    assert group["Properties"]["KmsKeyId"] == stack.resolve(key.key_arn)
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    kms_actions = [s["Action"] for s in policy["Properties"]["PolicyDocument"]["Statement"]
                   if "kms" in str(s["Action"])]
    assert kms_actions == ["kms:Decrypt"]  # reads its encrypted environment; never re-encrypts
