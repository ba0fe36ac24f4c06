"""Patches to moto's CloudFormation engine, applied in the emulator process before it serves a request.

Each closes one gap between what the CDK CLI and fmkit's templates send and what moto's template
engine does, and says why; none changes a template. Per-service model gaps are in
`service_model_patches.py`; types moto cannot create at all are placeholders (`placeholders.py`).

Three behaviours are made strict, so that a gap shows up instead of passing silently:
- a resource type neither created by moto nor listed as a placeholder fails its stack (moto skips it
  with a log warning);
- `Fn::GetAtt` of an attribute moto does not implement fails its stack (moto logs a warning and
  drops the property that used it);
- an exception while creating or updating a stack fails that stack, with the error as its reason
  and the traceback in the emulator's log (moto answers 500, the SDK retries CreateStack and the
  CLI reports a misleading `AlreadyExistsException`).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError

from tests.rehearse.placeholders import Placeholder, placeholder_entry

PropertyFix = Callable[[dict[str, Any]], None]

# Type → fixes applied to a resource's resolved properties before moto creates or updates it
# (filled by service_model_patches).
PROPERTY_FIXES: dict[str, list[PropertyFix]] = {}

# Name limits of types whose generated names moto checks but does not shorten (CloudFormation
# shortens `<stack>-<logical id>-<suffix>` to fit).
GENERATED_NAME_LIMITS = {
    "AWS::StepFunctions::StateMachine": 80,
    "AWS::Lambda::Function": 64,
    "AWS::IAM::Role": 64,
    "AWS::Events::Rule": 64,
    "AWS::SQS::Queue": 80,
}


def _resource_class_from_type(original: Callable[[str], Any]) -> Callable[[str], Any]:
    """Placeholders for listed types (custom resources included); an unknown type fails the stack."""

    def resource_class_from_type(resource_type: str) -> Any:
        if placeholder_entry(resource_type):
            return Placeholder
        model = original(resource_type)
        if model is None:
            raise ValidationError(message=f"rehearsal: moto cannot create {resource_type} and it is not a listed "
                                          "placeholder (tests/rehearse/placeholders.py)")
        return model

    return resource_class_from_type


def _get_stack_output(spec: dict[str, Any], resources_map: Any) -> Any:
    """`Fn::GetStackOutput` (what CDK emits for weak cross-stack references): an output of another stack,
    read at deploy time. moto does not know the function."""
    spec = parsing.clean_json(spec, resources_map)
    region = spec.get("Region") or resources_map._region_name
    stack = cfn_models.cloudformation_backends[resources_map._account_id][region].get_stack(spec["StackName"])
    for output in stack.output_map.values():
        if output is not None and output.key == spec["OutputName"]:
            return output.value
    raise ValidationError(message=f"Fn::GetStackOutput: stack {spec['StackName']} has no output {spec['OutputName']}")


def _get_att(spec: list[str] | str, resources_map: Any) -> Any:
    """`Fn::GetAtt` as moto resolves it, except that an attribute moto does not implement fails."""
    logical_id, attribute = spec if isinstance(spec, list) else spec.split(".", 1)
    resource = resources_map.get(logical_id)
    if resource is None:
        raise ValidationError(message=f"Template error: Fn::GetAtt references undefined resource {logical_id}")
    try:
        return resource.get_cfn_attribute(attribute)
    except NotImplementedError:
        raise ValidationError(message=f"rehearsal: moto does not implement Fn::GetAtt {logical_id}.{attribute} "
                                      f"({resource.cf_resource_type})") from None
    except UnformattedGetAttTemplateException:
        raise ValidationError(message=f"Template error: {logical_id} has no attribute {attribute}") from None


def _clean_json(original: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetStackOutput" in resource_json:
            return _get_stack_output(resource_json["Fn::GetStackOutput"], resources_map)
        if isinstance(resource_json, dict) and "Fn::GetAtt" in resource_json:
            return _get_att(resource_json["Fn::GetAtt"], resources_map)
        return original(resource_json, resources_map)

    return clean_json


def _parse_resource(original: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Apply PROPERTY_FIXES to the resolved properties (on create and on update)."""

    def parse_resource(resource_json: dict[str, Any], resources_map: Any) -> Any:
        parsed = original(resource_json, resources_map)
        if parsed:
            _, cleaned, resource_type = parsed
            for fix in PROPERTY_FIXES.get(resource_type, []):
                fix(cleaned.setdefault("Properties", {}))
        return parsed

    return parse_resource


def _generate_resource_name(original: Callable[[str, str, str], str]) -> Callable[[str, str, str], str]:
    def generate_resource_name(resource_type: str, stack_name: str, logical_id: str) -> str:
        name = original(resource_type, stack_name, logical_id)
        limit = GENERATED_NAME_LIMITS.get(resource_type)
        if limit is None or len(name) <= limit:
            return name
        prefix, suffix = name.rsplit("-", 1)
        return f"{prefix[: limit - len(suffix) - 1]}-{suffix}"

    return generate_resource_name


def _without_tags(resource_json: dict[str, Any] | None) -> dict[str, Any]:
    resource = dict(resource_json or {})
    resource["Properties"] = {key: value for key, value in resource.get("Properties", {}).items() if key != "Tags"}
    return resource


def _parse_and_update_resource(original: Callable[..., Any]) -> Callable[..., Any]:
    """An update that changes a resource whose moto model cannot be updated: moto replaces the resource with
    None (it leaves the stack, and later references to it resolve to nothing). Keep the resource when only
    its tags changed (the rehearsal reads no tags of such types back); otherwise fail."""

    def parse_and_update_resource(logical_id: str, resource_json: dict[str, Any], resources_map: Any,
                                  account_id: str, region_name: str) -> Any:
        model = parsing.resource_class_from_type(resource_json["Type"])
        if not hasattr(model.update_from_cloudformation_json, "__isabstractmethod__"):
            return original(logical_id, resource_json, resources_map, account_id, region_name)
        previous = getattr(resources_map, "rehearsal_previous_resources", {}).get(logical_id)
        if _without_tags(previous) == _without_tags(resource_json):
            return resources_map[logical_id]
        raise ValidationError(message=f"rehearsal: moto cannot update {resource_json['Type']} ({logical_id})")

    return parse_and_update_resource


def _previous_values_of_defaulted_parameters(backend_class: Any) -> None:
    """`UsePreviousValue` on a parameter the stack was created without (CDK sends it on updates for
    parameters with a default, such as the SSM-backed AMI id): moto looks the key up among the values
    passed at creation and fails. The previous value of such a parameter is its default: drop it."""
    resolve = backend_class._resolve_update_parameters

    def _resolve_update_parameters(self: Any, instance: Any, incoming_params: list[dict[str, Any]]) -> Any:
        kept = [parameter for parameter in incoming_params
                if not parameter.get("UsePreviousValue") or parameter["ParameterKey"] in instance.parameters]
        return resolve(self, instance, kept)

    backend_class._resolve_update_parameters = _resolve_update_parameters


def _failing_as_cloudformation_does(stack_class: Any) -> None:
    create, update = stack_class.create_resources, stack_class.update

    def create_resources(self: Any) -> None:
        try:
            create(self)
        except Exception as exc:  # any moto error becomes the stack's failure reason
            traceback.print_exc()
            self.status = "CREATE_FAILED"
            self._add_stack_event("CREATE_FAILED", resource_status_reason=f"{type(exc).__name__}: {exc}")

    def update_stack(self: Any, *args: Any, **kwargs: Any) -> None:
        # What the stack's resources were before, for _parse_and_update_resource (moto replaces the map first).
        self.resource_map.rehearsal_previous_resources = dict(self.resource_map._resource_json_map)
        try:
            update(self, *args, **kwargs)
        except Exception as exc:
            traceback.print_exc()
            self.status = "UPDATE_ROLLBACK_FAILED"
            self._add_stack_event("UPDATE_FAILED", resource_status_reason=f"{type(exc).__name__}: {exc}")

    stack_class.create_resources = create_resources
    stack_class.update = update_stack


def apply() -> None:
    """Patch moto's template engine in this process (once, before the server serves)."""
    for name, wrap in (("resource_class_from_type", _resource_class_from_type), ("clean_json", _clean_json),
                       ("parse_resource", _parse_resource), ("generate_resource_name", _generate_resource_name),
                       ("parse_and_update_resource", _parse_and_update_resource)):
        setattr(parsing, name, wrap(getattr(parsing, name)))
    _previous_values_of_defaulted_parameters(cfn_models.CloudFormationBackend)
    _failing_as_cloudformation_does(cfn_models.Stack)
