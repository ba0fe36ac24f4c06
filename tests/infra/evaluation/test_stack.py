"""EvaluationStack with a DeployedModels of its own: it grants each evaluated model through the
typed object and puts the evaluate step in the VPC only for models reached there."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from stacks.common.deployed_models import DeployedModels
from stacks.evaluation.stack import EvaluationStack
from stacks.platform import PlatformStack
from tests.helpers import load_env

MODELS: dict[str, str | None] = {
    "models/chat.yaml": "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\ncross_region: geo\n",
    "environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\nproject:\n  evaluation:\n'
                             "    enabled: true\n    dataset_key: datasets/d.jsonl\n",
}


@dataclass
class RecordingAccess:
    """A model as the evaluation sees it; records who was granted."""

    groups: Sequence[ec2.ISecurityGroup] = ()
    granted: list[iam.IGrantable] = field(default_factory=list)

    def grant_invoke(self, grantee: iam.IGrantable) -> None:
        self.granted.append(grantee)

    @property
    def consumer_security_groups(self) -> Sequence[ec2.ISecurityGroup]:
        return self.groups


def build(tmp_path: Path, *, in_vpc: bool) -> tuple[EvaluationStack, RecordingAccess, ec2.ISecurityGroup | None]:
    env = load_env(tmp_path, MODELS)
    stage = cdk.Stage(cdk.App(context={"aws:cdk:bundling-stacks": []}), "dev",
                      env=cdk.Environment(account=env.account, region=env.region))
    platform = PlatformStack(stage, "Platform", config=env)
    group = ec2.SecurityGroup(platform, "ModelConsumers", vpc=platform.vpc) if in_vpc else None
    access = RecordingAccess(groups=(group,) if group is not None else ())
    models = DeployedModels()
    models.add("chat", access)
    stack = EvaluationStack(stage, "Evaluation", config=env, platform=platform.resources, models=models)
    return stack, access, group


def test_every_evaluated_model_is_granted_to_the_evaluate_step(tmp_path: Path) -> None:
    stack, access, _ = build(tmp_path, in_vpc=False)
    assert access.granted == [stack.functions.evaluate.function]
    functions = Template.from_stack(stack).find_resources("AWS::Lambda::Function")
    assert all("VpcConfig" not in f["Properties"] for f in functions.values())


def test_a_model_reached_in_the_vpc_puts_the_evaluate_step_there(tmp_path: Path) -> None:
    stack, _, group = build(tmp_path, in_vpc=True)
    assert group is not None
    (evaluate,) = [f for f in Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
                   if f["Properties"]["Handler"] == "evaluate.handler"]
    groups = stack.functions.evaluate.function.connections.security_groups
    assert groups[1:] == [group]  # after the function's own HTTPS egress group
    assert len(evaluate["Properties"]["VpcConfig"]["SecurityGroupIds"]) == 2


def test_judges_are_granted_to_the_evaluate_step_and_the_embedder_to_summarize(tmp_path: Path) -> None:
    env = load_env(tmp_path, {
        **MODELS,
        "models/judge.yaml": "provider: bedrock\nmodel_id: amazon.nova-lite-v1:0\ncross_region: geo\n",
        "models/emb.yaml": "provider: bedrock\nmodel_id: amazon.titan-embed-text-v2:0\n",
        "environments/dev.yaml": 'account: "111111111111"\nregion: eu-west-1\nproject:\n  evaluation:\n'
                                 "    enabled: true\n    models: [chat]\n    judge: judge\n    embedder: emb\n"})
    stage = cdk.Stage(cdk.App(context={"aws:cdk:bundling-stacks": []}), "dev",
                      env=cdk.Environment(account=env.account, region=env.region))
    platform = PlatformStack(stage, "Platform", config=env)
    models = DeployedModels()
    access = {name: RecordingAccess() for name in ("chat", "judge", "emb")}
    for name, recorder in access.items():
        models.add(name, recorder)
    stack = EvaluationStack(stage, "Evaluation", config=env, platform=platform.resources, models=models)
    assert access["chat"].granted == access["judge"].granted == [stack.functions.evaluate.function]
    assert access["emb"].granted == [stack.functions.summarize.function]
    template = Template.from_stack(stack)
    policies = template.find_resources("AWS::IAM::Policy")
    prepare = next(p for lid, p in policies.items() if lid.startswith("FunctionsPrepare"))
    (ssm,) = [s for s in prepare["Properties"]["PolicyDocument"]["Statement"] if "ssm:GetParameters" in s["Action"]]
    names = [json.dumps(r) for r in ssm["Resource"]]
    assert [next(m for m in ("chat", "judge", "emb") if f"/models/{m}/" in n) for n in names] == ["chat", "judge",
                                                                                                  "emb"]
    (evaluate,) = [f for f in template.find_resources("AWS::Lambda::Function").values()
                   if f["Properties"]["Handler"] == "evaluate.handler"]
    variables = evaluate["Properties"]["Environment"]["Variables"]
    assert variables["EVAL_JUDGES"] == '["judge"]' and variables["EVAL_EMBEDDER"] == "emb"
    assert json.loads(variables["EVAL_MODELS"]) == ["chat"]
