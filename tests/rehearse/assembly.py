"""What the rehearsal deploys, read from a synthesized cloud assembly (plain JSON, no aws-cdk-lib).

`cdk synth -c env=dev` writes one nested assembly for the environment's Stage; each stack artifact
names its CloudFormation stack, its account/region and its template file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"


@dataclass(frozen=True)
class StackArtifact:
    """One stack of the assembly: its deployed name, where it goes and its template."""

    artifact_id: str
    stack_name: str
    account: str
    region: str
    template: dict[str, Any]

    def resources_of(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Logical id → properties of every resource of `resource_type`."""
        return {logical_id: resource.get("Properties", {})
                for logical_id, resource in self.template.get("Resources", {}).items()
                if resource["Type"] == resource_type}

    @property
    def resource_types(self) -> set[str]:
        return {resource["Type"] for resource in self.template.get("Resources", {}).values()}


def read_stacks(assembly_dir: Path) -> list[StackArtifact]:
    """Every stack artifact of the assembly and of its nested (Stage) assemblies, in manifest order."""
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    stacks: list[StackArtifact] = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties = artifact.get("properties", {})
        if artifact["type"] == NESTED_ASSEMBLY:
            stacks.extend(read_stacks(assembly_dir / properties["directoryName"]))
        elif artifact["type"] == STACK_ARTIFACT:
            account, region = artifact["environment"].removeprefix("aws://").split("/")
            template = json.loads((assembly_dir / properties["templateFile"]).read_text())
            stacks.append(StackArtifact(artifact_id, properties.get("stackName", artifact_id), account, region,
                                        template))
    return stacks


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside a template fragment, depth first (to find intrinsic functions)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


@dataclass(frozen=True)
class StackOutputReference:
    """A weak cross-stack reference: `Fn::GetStackOutput` in `consumer`'s template."""

    consumer: str
    producer: str
    output_name: str


def stack_output_references(stacks: list[StackArtifact]) -> list[StackOutputReference]:
    """Each distinct `Fn::GetStackOutput` of the assembly, per consuming stack."""
    found: dict[tuple[str, str, str], StackOutputReference] = {}
    for stack in stacks:
        for node in walk(stack.template.get("Resources", {})):
            spec = node.get("Fn::GetStackOutput")
            if isinstance(spec, dict):
                reference = StackOutputReference(stack.stack_name, spec["StackName"], spec["OutputName"])
                found[(reference.consumer, reference.producer, reference.output_name)] = reference
    return list(found.values())


def literal_fragments(node: Any) -> list[str]:
    """The literal strings of a template value in order (the parts of `Fn::Join`, `Fn::Sub` text between
    its `${…}`), skipping what intrinsic functions resolve at deploy time."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [fragment for value in node for fragment in literal_fragments(value)]
    if not isinstance(node, dict):
        return [str(node)]
    if "Fn::Join" in node:
        return literal_fragments(node["Fn::Join"][1])
    if "Fn::Base64" in node:
        return literal_fragments(node["Fn::Base64"])
    if "Fn::Sub" in node:
        text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
        return [part.split("}", 1)[-1] for part in text.split("${")]
    return []
