"""One Step Functions state machine per customization: data → job → candidate → holdout → gate → publish.

sagemaker-peft:  ValidateData → Train (`sagemaker:createTrainingJob.sync`) → ConvertAndAnswer
  (CodeBuild `startBuild.sync`: GGUF + sha256, both models answer the holdout) → RegisterCandidate
  → Decide → PromotionGate → Promote | KeepRejected
bedrock:  ValidateData → Customize (`bedrock:createModelCustomizationJob.sync`) → RegisterCandidate
  → ServeCandidate → (wait/poll) → AnswerHoldout → Decide → PromotionGate → Promote | KeepRejected

The two job tasks are raw ASL (`CustomState`): CDK 2.275's SageMaker task has no spot training
or checkpoint properties, and its Bedrock task renders the request-response resource (no
`.sync`) without the Get/Stop permissions `.sync` needs. Their permissions are written here,
scoped to this customization's jobs and roles. Any failure is told to the alarm topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from stacks.common.platform_resources import PlatformResources
from stacks.common.python_lambda import PythonFunction
from stacks.common.stack_env import stack_account, stack_region
from stacks.customization.functions import CustomizationFunctions

RUN_ID = "$$.Execution.Name"
SERVING_POLL = cdk.Duration.minutes(1)
JOB_TIMEOUT = cdk.Duration.days(8)  # SageMaker spot waits up to 2 x runtime; Bedrock jobs take hours to days


def invoke(scope: Construct, construct_id: str, fn: PythonFunction | None, result_path: str, comment: str,
           keys: tuple[str, ...] = (), extra: Mapping[str, Any] | None = None) -> tasks.LambdaInvoke:
    """A Lambda step given the run id and the state's `keys` (results of earlier steps), its result
    added at `result_path`."""
    assert fn is not None
    payload: dict[str, Any] = {"run_id": sfn.JsonPath.string_at(RUN_ID), **dict(extra or {})}
    payload.update({key: sfn.JsonPath.object_at(f"$.{key}") for key in keys})
    task = tasks.LambdaInvoke(scope, construct_id, lambda_function=fn.function, payload_response_only=True,
                              payload=sfn.TaskInput.from_object(payload), result_path=result_path, comment=comment)
    task.add_retry(errors=["Lambda.TooManyRequestsException", "Lambda.ServiceException"], max_attempts=3,
                   interval=cdk.Duration.seconds(5), backoff_rate=2, jitter_strategy=sfn.JitterType.FULL)
    return task


class CustomizationWorkflow(Construct):
    """The state machine of one customization; `definition` is built by `build_peft`/`build_bedrock`."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, functions: CustomizationFunctions,
                 platform: PlatformResources, topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        self.name, self.functions, self.platform, self.topic = name, functions, platform, topic
        self.statements: list[iam.PolicyStatement] = []

    # Steps both kinds share ---------------------------------------------------------------------
    def _validate(self) -> tasks.LambdaInvoke:
        return invoke(self, "ValidateData", self.functions.validate, "$.validation",
                      "Check the data (line-numbered problems), the holdout apart from training; resolve what serves")

    def _failure(self) -> sfn.IChainable:
        notify = tasks.SnsPublish(
            self, "NotifyFailure", topic=self.topic, subject=f"fmkit customization {self.name}: run failed"[:100],
            message=sfn.TaskInput.from_object({"customization": self.name, "run": sfn.JsonPath.string_at(RUN_ID),
                                               "error": sfn.JsonPath.string_at("$.failure.Error"),
                                               "cause": sfn.JsonPath.string_at("$.failure.Cause")}),
            result_path=sfn.JsonPath.DISCARD)
        return notify.next(sfn.Fail(self, "RunFailed", error="CustomizationFailed",
                                    cause="a step failed: see the execution history and the alarm topic"))

    def _gate(self, candidate: tuple[str, ...]) -> sfn.IChainable:
        """Decide, then publish; `candidate`: the state keys that describe the candidate."""
        decide = invoke(self, "Decide", self.functions.decide, "$.decision",
                        "Score both answers per item; promote only on margin + significant paired bootstrap",
                        keys=("validation", *candidate))
        published = ("validation", "decision", *candidate)
        promote = invoke(self, "Promote", self.functions.publish, "$.published",
                         "Pin the candidate (artifact + sha256 in SSM), start the rollout, notify", keys=published)
        keep = invoke(self, "KeepRejected", self.functions.publish, "$.published",
                      "Nothing that serves changes; the candidate and its report are kept; notify", keys=published)
        done = sfn.Succeed(self, "Done")
        gate = (sfn.Choice(self, "PromotionGate", comment="decision.promoted comes from fmkit.customize.promotion")
                .when(sfn.Condition.boolean_equals("$.decision.promoted", True), promote.next(done))
                .otherwise(keep.next(done)))
        self._steps += [decide, promote, keep]
        return decide.next(gate)

    # sagemaker-peft ------------------------------------------------------------------------------
    def build_peft(self, *, training_request: dict[str, Any], training_role: iam.IRole,
                   project: codebuild.IProject) -> sfn.StateMachine:
        self._steps: list[tasks.LambdaInvoke | sfn.CustomState | tasks.CodeBuildStartBuild] = []
        validate = self._validate()
        train = sfn.CustomState(self, "Train", state_json={
            "Type": "Task", "Resource": self._arn("states", "", "sagemaker:createTrainingJob.sync"),
            "Parameters": training_request,
            "ResultSelector": {"model_artifact.$": "$.ModelArtifacts.S3ModelArtifacts",
                               "job_name.$": "$.TrainingJobName", "billable_seconds.$": "$.BillableTimeInSeconds"},
            "ResultPath": "$.training", "TimeoutSeconds": int(JOB_TIMEOUT.to_seconds()),
            "Comment": "LoRA/QLoRA with the kit's script (spot + checkpoints when configured); waits for the end"})
        self._training_permissions(training_role)
        overrides = {key: codebuild.BuildEnvironmentVariable(value=sfn.JsonPath.string_at(path)) for key, path in {
            "MODEL_ARTIFACT": "$.training.model_artifact", "RUN_PREFIX": "$.validation.run_prefix",
            "GGUF_PREFIX": "$.validation.gguf_prefix", "SERVED_ARTIFACT": "$.validation.served.artifact",
            "SERVED_SHA256": "$.validation.served.sha256"}.items()}
        convert = tasks.CodeBuildStartBuild(
            self, "ConvertAndAnswer", project=project, integration_pattern=sfn.IntegrationPattern.RUN_JOB,
            environment_variables_override=overrides, result_selector={"build_id.$": "$.Build.Id"},
            result_path="$.conversion",
            comment="GGUF + quantize + sha256 with the pinned llama.cpp; both models answer the holdout")
        register = invoke(self, "RegisterCandidate", self.functions.register, "$.candidate",
                          "Record the candidate's S3 version and sha256")
        self._steps += [validate, train, convert, register]
        chain = validate.next(train).next(convert).next(register).next(self._gate(("candidate",)))
        return self._machine(chain)

    def _training_permissions(self, role: iam.IRole) -> None:
        jobs = self._arn("sagemaker", "own", f"training-job/{self.name}-*")
        self.statements += [
            iam.PolicyStatement(actions=["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob",
                                         "sagemaker:StopTrainingJob", "sagemaker:AddTags"], resources=[jobs]),
            iam.PolicyStatement(actions=["iam:PassRole"], resources=[role.role_arn],
                                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}),
            iam.PolicyStatement(actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                                resources=[self._arn("events", "own",
                                                     "rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule")]),
        ]

    # bedrock -------------------------------------------------------------------------------------
    def build_bedrock(self, *, job_request: dict[str, Any], service_role: iam.IRole,
                      base_model_arn: str) -> sfn.StateMachine:
        self._steps = []
        validate = self._validate()
        customize = sfn.CustomState(self, "Customize", state_json={
            "Type": "Task", "Resource": self._arn("states", "", "bedrock:createModelCustomizationJob.sync"),
            "Parameters": job_request, "ResultPath": "$.job", "ResultSelector": {"done": True},
            "TimeoutSeconds": int(JOB_TIMEOUT.to_seconds()),
            "Comment": "Bedrock fine-tuning / continued pre-training / distillation; waits for the job's end"})
        self._bedrock_permissions(service_role, base_model_arn)
        register = invoke(self, "RegisterCandidate", self.functions.register, "$.registered",
                          "Record the custom model (it bills storage until deleted)", keys=("validation",))
        serve = invoke(self, "ServeCandidate", self.functions.serve, "$.serving",
                       "Custom model deployment (on demand) or provisioned throughput, tagged and recorded",
                       keys=("validation", "registered"))
        wait = sfn.Wait(self, "WaitForServing", time=sfn.WaitTime.duration(SERVING_POLL))
        status = invoke(self, "ServingStatus", self.functions.serve, "$.serving", "Poll the candidate's serving",
                        keys=("serving",), extra={"action": "status"})
        answer = invoke(self, "AnswerHoldout", self.functions.answer, "$.answered",
                        "The served model and the candidate answer every holdout item (Converse)",
                        keys=("validation", "serving"))
        failed = sfn.Fail(self, "ServingFailed", error="ServingFailed", cause="the candidate could not be served")
        judged = answer.next(self._gate(("registered", "serving")))
        ready = (sfn.Choice(self, "ServingReady")
                 .when(sfn.Condition.string_equals("$.serving.status", "ready"), judged)
                 .when(sfn.Condition.string_equals("$.serving.status", "failed"), failed)
                 .otherwise(wait))
        self._steps += [validate, customize, register, serve, status, answer]
        chain = validate.next(customize).next(register).next(serve).next(wait).next(status).next(ready)
        return self._machine(chain)

    def _bedrock_permissions(self, role: iam.IRole, base_model_arn: str) -> None:
        jobs = self._arn("bedrock", "own", "model-customization-job/*")
        self.statements += [
            iam.PolicyStatement(actions=["bedrock:CreateModelCustomizationJob"],
                                resources=[base_model_arn, self._arn("bedrock", "own", "custom-model/*"), jobs]),
            iam.PolicyStatement(actions=["bedrock:GetModelCustomizationJob", "bedrock:StopModelCustomizationJob"],
                                resources=[jobs]),
            iam.PolicyStatement(actions=["bedrock:TagResource"],
                                resources=[jobs, self._arn("bedrock", "own", "custom-model/*")]),
            iam.PolicyStatement(actions=["iam:PassRole"], resources=[role.role_arn],
                                conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}}),
        ]

    # the machine ---------------------------------------------------------------------------------
    def _arn(self, service: str, account: str, resource: str) -> str:
        stack = cdk.Stack.of(self)
        if service == "states":
            return f"arn:{stack.partition}:states:::{resource}"
        return f"arn:{stack.partition}:{service}:{stack_region(self)}:{stack_account(self)}:{resource}"

    def _machine(self, chain: sfn.IChainable) -> sfn.StateMachine:
        failure = self._failure()
        for step in self._steps:
            step.add_catch(failure, errors=["States.ALL"], result_path="$.failure")
        self.log_group = logs.LogGroup(self, "Logs", retention=self.platform.log_retention,
                                       encryption_key=self.platform.key, removal_policy=cdk.RemovalPolicy.DESTROY)
        self.state_machine = sfn.StateMachine(
            self, "StateMachine", state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(chain), timeout=cdk.Duration.days(10),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            comment=f"fmkit customization {self.name}: train, evaluate on the holdout, promote only if better")
        for statement in self.statements:
            self.state_machine.add_to_role_policy(statement)
        # The failure notice goes to the KMS-encrypted alarm topic.
        self.state_machine.add_to_role_policy(iam.PolicyStatement(
            actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[self.platform.key.key_arn]))
        return self.state_machine
