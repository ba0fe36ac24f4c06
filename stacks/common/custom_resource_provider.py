"""CDK's custom-resource provider framework, with the platform's logging, encryption and nag answers.

The framework (`aws_cdk.custom_resources.Provider`) answers CloudFormation for our handlers
(a raised exception becomes FAILED with its message; a failed Create's rollback Delete never
reaches them) and, with an `is_complete` handler, polls it from a Step Functions waiter
instead of a handler sleeping in a loop. Its own Node.js functions get:

- one log group, encrypted with the platform key, with the platform's retention (the waiter
  state machine logs there too, at level ALL);
- their environment encrypted with the platform key;
- roles of our own that may write only to that log group (the framework's default roles
  carry the `AWSLambdaBasicExecutionRole` managed policy).

What cannot be changed from outside the framework is acknowledged on it, finding by finding.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from stacks.nag import acknowledge


class CustomResourceProvider(Construct):
    """A `cr.Provider` for `on_event` (and `is_complete`, polled every `query_interval`)."""

    def __init__(self, scope: Construct, construct_id: str, *, on_event: lambda_.IFunction,
                 is_complete: lambda_.IFunction | None = None, key: kms.IKey,
                 log_retention: logs.RetentionDays, query_interval: cdk.Duration | None = None,
                 total_timeout: cdk.Duration | None = None,
                 replaces_function_at: tuple[str, ...] | None = None) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, encryption_key=key,
                                       removal_policy=cdk.RemovalPolicy.DESTROY)
        # Two roles, as the framework's defaults: the onEvent function starts the waiter, whose
        # state machine invokes the isComplete function; one role for both would be a cycle.
        roles = [self._role("OnEventRole", "start the handler (and the waiter)")]
        waiter: dict[str, Any] = {}
        if is_complete is not None:
            roles.append(self._role("WaiterRole", "poll the is-complete handler, report a timeout"))
            waiter = {"is_complete_handler": is_complete, "framework_complete_and_timeout_role": roles[1],
                      "query_interval": query_interval, "total_timeout": total_timeout,
                      "disable_waiter_state_machine_logging": False,
                      "waiter_state_machine_log_options": cr.LogOptions(
                          destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False)}
        self.provider = cr.Provider(
            self, "Provider", on_event_handler=on_event, log_group=self.log_group,
            framework_on_event_role=roles[0], provider_function_env_encryption=key,
            **waiter,
        )
        if replaces_function_at is not None:
            self._take_over(scope, replaces_function_at)
        self.service_token = self.provider.service_token
        handlers = [fn for fn in (on_event, is_complete) if fn is not None]
        for role in roles:
            acknowledge(role, "AwsSolutions-IAM5",
                        "The provider framework invokes the handlers with lambda:InvokeFunction on their ARN and "
                        "'ARN:*' (versions), as CDK's grantInvoke writes it inside the framework",
                        applies_to=[f"Resource::{fn.function_arn}:*" for fn in handlers])
        if is_complete is not None:
            self._acknowledge_waiter()

    def _take_over(self, scope: Construct, path: tuple[str, ...]) -> None:
        """Give the framework's entry function the logical id of the Lambda function at `scope/path`
        that served the custom resource before: CloudFormation refuses to change a custom
        resource's ServiceToken ("Modifying service token is not allowed"), so the function keeps
        its ARN and is updated in place into the framework's entry point."""
        entry = self.provider.node.find_child("framework-onEvent").node.default_child
        assert isinstance(entry, lambda_.CfnFunction)
        entry.override_logical_id(logical_id_at(scope, path))

    def _role(self, construct_id: str, purpose: str) -> iam.Role:
        role = iam.Role(self, construct_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description=f"CDK provider framework: {purpose}, write to its log group")
        self.log_group.grant_write(role)
        return role

    def _acknowledge_waiter(self) -> None:
        waiter = self.provider.node.find_child("waiter-state-machine")
        framework = [self.provider.node.find_child(name) for name in ("framework-isComplete", "framework-onTimeout")]
        acknowledge(waiter, "AwsSolutions-IAM5",
                    "The waiter state machine invokes the framework's isComplete/onTimeout functions with 'ARN:*' "
                    "(versions), as the framework grants it",
                    applies_to=[f"Resource::{fn.function_arn}:*" for fn in framework
                                if isinstance(fn, lambda_.Function)])
        acknowledge(waiter, "AwsSolutions-IAM5",
                    "CloudWatch Logs delivery actions of Step Functions have no resource-level permissions",
                    applies_to=["Resource::*"])
        acknowledge(waiter, "AwsSolutions-SF2",
                    "The provider framework's waiter state machine exposes no X-Ray setting; the handlers it "
                    "polls are traced")


def logical_id_at(scope: Construct, path: tuple[str, ...]) -> str:
    """The logical id CDK gives a resource at `scope/path`, computed by CDK on a throwaway element
    (the tree is left as it was)."""
    if len(path) < 2:
        raise ValueError("a resource path has at least a construct and its resource: ('Fn', 'Resource')")
    parent = holder = Construct(scope, path[0])
    for part in path[1:-1]:
        parent = Construct(parent, part)
    element = cdk.CfnResource(parent, path[-1], type="Fmkit::LogicalIdProbe")
    stack = cdk.Stack.of(scope)
    logical_id = str(stack.resolve(stack.get_logical_id(element)))
    if not scope.node.try_remove_child(holder.node.id):
        raise RuntimeError(f"could not remove the logical-id probe at {holder.node.path}")
    return logical_id
