"""Read back through the emulator what the deploy created, and compare it with the templates.

`Deployed` is CloudFormation's view (stack status, logical → physical ids, outputs); the readers in
`readers.py` ask each service about the resources of the types they know, in the template's shape,
and `compare.py` finds the differences. Cross-stack references are checked from both sides: the
producer's output names a real resource, and consumers compare their resolved values.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.rehearse.assembly import StackArtifact, stack_output_references
from tests.rehearse.compare import UNRESOLVED, Resolver, compare_properties
from tests.rehearse.emulator import Emulator
from tests.rehearse.placeholders import placeholder_entry
from tests.rehearse.readers import READERS

COMPLETE = re.compile(r"^(CREATE|UPDATE|IMPORT)_COMPLETE$")
PSEUDO_PARAMETERS = ("AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix")


@dataclass
class Findings:
    """What one round of checks compared (by kind) and every difference it found."""

    checked: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def add(self, kind: str, problems: list[str]) -> None:
        self.checked[kind] += 1
        self.problems.extend(problems)


@dataclass
class Deployed:
    """CloudFormation's view of the environment's stacks in the emulator."""

    status: dict[str, str]
    physical: dict[str, dict[str, str]]
    resource_types: dict[str, dict[str, str]]
    outputs: dict[str, dict[str, str]]


def read_deployed(emulator: Emulator, stacks: list[StackArtifact]) -> Deployed:
    deployed = Deployed({}, {}, {}, {})
    for stack in stacks:
        cloudformation = emulator.client("cloudformation", stack.region)
        description = cloudformation.describe_stacks(StackName=stack.stack_name)["Stacks"][0]
        deployed.status[stack.stack_name] = description["StackStatus"]
        deployed.outputs[stack.stack_name] = {output["OutputKey"]: output.get("OutputValue", "")
                                              for output in description.get("Outputs", [])}
        summaries = cloudformation.list_stack_resources(StackName=stack.stack_name)["StackResourceSummaries"]
        deployed.physical[stack.stack_name] = {item["LogicalResourceId"]: item.get("PhysicalResourceId", "")
                                               for item in summaries}
        deployed.resource_types[stack.stack_name] = {item["LogicalResourceId"]: item["ResourceType"]
                                                     for item in summaries}
    return deployed


def resolver(emulator: Emulator, stack: StackArtifact, deployed: Deployed) -> Resolver:
    """Resolve what the deployed state can answer: `Ref` to a resource or parameter of `stack`,
    `Fn::GetStackOutput`, and `Fn::Sub` over pseudo parameters only. Anything else stays UNRESOLVED."""
    pseudo = {"AWS::AccountId": stack.account, "AWS::Region": stack.region, "AWS::Partition": "aws",
              "AWS::URLSuffix": "amazonaws.com"}

    def resolve(node: dict[str, Any]) -> Any:
        if "Ref" in node:
            return _ref(node["Ref"])
        if "Fn::GetStackOutput" in node:
            spec = node["Fn::GetStackOutput"]
            return deployed.outputs.get(spec["StackName"], {}).get(spec["OutputName"], UNRESOLVED)
        if "Fn::Sub" in node and isinstance(node["Fn::Sub"], str):
            names = re.findall(r"\$\{([^}!]+)\}", node["Fn::Sub"])
            if all(name in pseudo for name in names):
                return re.sub(r"\$\{([^}!]+)\}", lambda match: pseudo[match.group(1)], node["Fn::Sub"])
        return UNRESOLVED

    def _ref(name: str) -> Any:
        if name in pseudo:
            return pseudo[name]
        if name in deployed.physical[stack.stack_name]:
            return deployed.physical[stack.stack_name][name]
        parameter = stack.template.get("Parameters", {}).get(name)
        if parameter and parameter["Type"].startswith("AWS::SSM::Parameter::Value") and "Default" in parameter:
            ssm = emulator.client("ssm", stack.region)
            return ssm.get_parameter(Name=parameter["Default"])["Parameter"]["Value"]
        return UNRESOLVED

    return resolve


def check_complete(stacks: list[StackArtifact], deployed: Deployed, findings: Findings) -> None:
    for stack in stacks:
        status = deployed.status.get(stack.stack_name, "MISSING")
        findings.add("stack", [] if COMPLETE.match(status) else [f"{stack.stack_name}: {status}"])


def check_created(stacks: list[StackArtifact], deployed: Deployed, findings: Findings) -> Counter[str]:
    """Every template resource exists in its stack with a physical id; returns placeholders by type."""
    placeholders: Counter[str] = Counter()
    for stack in stacks:
        physical = deployed.physical[stack.stack_name]
        for logical_id, resource in stack.template.get("Resources", {}).items():
            if resource.get("Condition"):
                continue  # fmkit templates use none; a conditional resource may rightly be absent
            missing = [] if physical.get(logical_id) else [
                f"{stack.stack_name}/{logical_id} ({resource['Type']}): not created"]
            if placeholder_entry(resource["Type"]):
                placeholders[resource["Type"]] += 1
                findings.add("placeholder", missing)
            else:
                findings.add("resource", missing)
    return placeholders


def check_read_back(emulator: Emulator, stacks: list[StackArtifact], deployed: Deployed,
                    findings: Findings) -> None:
    """Each resource of a type in READERS, read from its service and compared with its template."""
    for stack in stacks:
        resolve = resolver(emulator, stack, deployed)
        for resource_type, reader in READERS.items():
            for logical_id, properties in stack.resources_of(resource_type).items():
                physical = deployed.physical[stack.stack_name].get(logical_id)
                where = f"{stack.stack_name}/{logical_id}"
                if not physical:
                    findings.add(reader.kind, [f"{where}: not created"])
                    continue
                client = emulator.client(reader.service, stack.region)
                try:
                    actual = reader.read(client, physical)
                except Exception as exc:  # a failed describe call is a finding, not a crash
                    findings.add(reader.kind, [f"{where}: {reader.service} could not read it back: {exc}"])
                    continue
                problems = compare_properties(properties, actual, reader.keys, where, resolve)
                if reader.extra is not None:
                    problems.extend(reader.extra(emulator, stack, properties, actual, where, resolve))
                findings.add(reader.kind, problems)


def check_cross_stack(stacks: list[StackArtifact], deployed: Deployed, findings: Findings) -> None:
    """Every `Fn::GetStackOutput` names an output the producer has, whose value is the resource its template
    output points at (a `Ref` equals the physical id; an attribute contains it, such as an ARN, or is part
    of it, such as a queue's name in its URL or a load balancer's full name in its ARN)."""
    templates = {stack.stack_name: stack.template for stack in stacks}
    for reference in stack_output_references(stacks):
        where = f"{reference.consumer} ← {reference.producer}.{reference.output_name}"
        value = deployed.outputs.get(reference.producer, {}).get(reference.output_name)
        output = templates.get(reference.producer, {}).get("Outputs", {}).get(reference.output_name)
        if not value or output is None:
            findings.add("cross-stack", [f"{where}: no such output in the deployed producer"])
            continue
        target = output["Value"]
        physical = deployed.physical[reference.producer]
        if "Ref" in target:
            expected = physical.get(target["Ref"], "")
            ok = value == expected
        elif "Fn::GetAtt" in target:
            expected = physical.get(target["Fn::GetAtt"][0], "")
            ok = bool(expected) and (expected in value or value in expected)
        else:
            expected, ok = "(a literal)", True
        findings.add("cross-stack", [] if ok else [f"{where}: value {value!r} is not the resource ({expected!r})"])
