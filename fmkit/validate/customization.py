"""Rules for `project.customizations`: what needs the catalogs, the region or the deployments.

- the base model can be customized by that method in the environment's region (Bedrock: the
  customization catalog; sagemaker-peft: a JumpStart model marked fine-tunable, or open weights),
  and the custom model can be served the way the config asks;
- hyperparameters are names the method (or the training script) takes, within documented ranges;
- data URIs are well-formed where Bedrock or S3 are stricter than the schema, and the evaluation
  (holdout) set is distinct from the training data;
- a provider that names a customization names one that runs here, of a kind it can serve;
- the SageMaker training instance exists in the region and has a GPU.

The license of a customization's base model is checked with the deployments' license rule
(`fmkit/validate/licensing.py`).
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterator
from datetime import date

from fmkit.catalog import bedrock_customization as catalog
from fmkit.catalog.cards import card_for_jumpstart, card_for_open_weights
from fmkit.catalog.instances import get_instance
from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.config.customization import BedrockCustomization, SageMakerPeftCustomization
from fmkit.config.environment import EnvironmentConfig
from fmkit.config.findings import DocPath
from fmkit.config.providers.bedrock import BedrockDeployment
from fmkit.config.providers.graviton import GravitonDeployment
from fmkit.customize.peft_options import option_problems
from fmkit.validate.registry import Finding, rule

ROOT = ("project", "customizations")
# Bedrock (Nova) accepts only these characters in data file names (data preparation page).
BEDROCK_KEY_RE = re.compile(r"^[A-Za-z0-9_./-]+$")
PEFT_CUSTOMIZATION_KINDS = ("jumpstart-fine-tuning", "lora-open-weights")


def _path(name: str, *keys: str | int) -> DocPath:
    return (*ROOT, name, *keys)


def _bedrock(env: EnvironmentConfig) -> dict[str, BedrockCustomization]:
    return {n: c for n, c in sorted(env.project.customizations.items())
            if isinstance(c, BedrockCustomization) and c.runs_in(env.name)}


def _peft(env: EnvironmentConfig) -> dict[str, SageMakerPeftCustomization]:
    return {n: c for n, c in sorted(env.project.customizations.items())
            if isinstance(c, SageMakerPeftCustomization) and c.runs_in(env.name)}


def _catalog_date() -> date:
    return date.fromisoformat(catalog.catalog_retrieved())


def _bedrock_base(name: str, custom: BedrockCustomization, region: str) -> Iterator[Finding]:
    path = _path(name, "base_model")
    model = catalog.get_customizable(custom.base_model)
    if model is None:
        close = difflib.get_close_matches(custom.base_model, list(catalog.all_customizable()), n=1, cutoff=0.5)
        yield Finding(path, f"'{custom.base_model}' is not a Bedrock model fmkit knows to be customizable",
                      f"did you mean '{close[0]}'?" if close else
                      f"customizable: {', '.join(catalog.all_customizable())}")
        return
    if model.end_of_life and date.fromisoformat(model.end_of_life) <= _catalog_date():
        yield Finding(path, f"{model.name} reached its end of life on {model.end_of_life}: Bedrock accepts no "
                      "new customization job for it", "choose a current base model (e.g. amazon.nova-micro-v1:0)")
        return
    method = model.methods.get(custom.method)
    if method is None:
        offered = ", ".join(model.methods) or "none"
        yield Finding(_path(name, "method"), f"Bedrock offers no {custom.method} of {model.name}",
                      f"methods for it: {offered}")
        return
    if region not in method.regions:
        yield Finding(path, f"{custom.method} of {model.name} is not offered in {region}",
                      f"it is offered in {', '.join(sorted(method.regions))}: run this customization in an "
                      "environment there (customizations.<name>.environments)")
    if not method.verified:
        yield Finding(_path(name, "method"), f"{custom.method} of {model.name} is documented only in an older "
                      f"version of the Bedrock guide ({method.note or 'not re-verified'})",
                      "check the model customization page before paying for a job", "warning")
    if custom.teacher_model is not None and custom.teacher_model not in method.teachers:
        yield Finding(_path(name, "teacher_model"), f"'{custom.teacher_model}' cannot teach {model.name}",
                      f"teachers: {', '.join(method.teachers) or 'none documented'}")


@rule("customization-base-customizable")
def customization_base_customizable(env: EnvironmentConfig) -> Iterator[Finding]:
    """The method must be offered for the base model here; open models must be fine-tunable weights."""
    for name, custom in _bedrock(env).items():
        yield from _bedrock_base(name, custom, env.region)
    for name, peft in _peft(env).items():
        base = peft.base
        if base.jumpstart_model_id is not None:
            path = _path(name, "base", "jumpstart_model_id")
            entry = get_jumpstart_model(base.jumpstart_model_id)
            card = card_for_jumpstart(base.jumpstart_model_id)
            kinds = {c.kind for c in card.customization} if card is not None else set()
            if entry is None:
                yield Finding(path, f"unknown JumpStart model '{base.jumpstart_model_id}'",
                              "name a model of fmkit/catalog/data/jumpstart_models.json, or use hf_model_id")
            elif entry.task != "text-generation" or not kinds & set(PEFT_CUSTOMIZATION_KINDS):
                yield Finding(path, f"JumpStart model '{base.jumpstart_model_id}' is not marked fine-tunable",
                              "choose a model whose card lists jumpstart-fine-tuning (`fmkit models show ID`)")
            elif env.region not in entry.regions:
                yield Finding(path, f"JumpStart has no '{base.jumpstart_model_id}' in {env.region}",
                              "use hf_model_id to download the weights from the Hub instead")
        else:
            card = card_for_open_weights(str(base.hf_model_id))
            if card is not None and "lora-open-weights" not in {c.kind for c in card.customization}:
                yield Finding(_path(name, "base", "hf_model_id"), f"{card.name} is not marked as open weights "
                              "LoRA can adapt", "choose a model whose card lists lora-open-weights", "warning")


@rule("customization-serving-available")
def customization_serving_available(env: EnvironmentConfig) -> Iterator[Finding]:
    """A custom Bedrock model is invoked on demand or with provisioned throughput, where offered."""
    for name, custom in _bedrock(env).items():
        model = catalog.get_customizable(custom.base_model)
        if model is None:
            continue
        serving = model.serving
        path = _path(name, "output", "serving")
        if custom.output.serving == "on-demand" and env.region not in serving.on_demand_regions:
            where = ", ".join(sorted(serving.on_demand_regions))
            yield Finding(path, f"a custom {model.name} cannot be served on demand in {env.region}",
                          f"on demand in: {where}" if where else
                          "use serving: provisioned with provisioned: {model_units: 1} (billed per hour)")
        elif custom.output.serving == "provisioned" and env.region not in serving.provisioned_regions:
            where = ", ".join(sorted(serving.provisioned_regions)) or "no region documented"
            yield Finding(path, f"provisioned throughput for a custom {model.name} is not offered in {env.region}",
                          f"offered in: {where}")


def _bedrock_hyperparameters(name: str, custom: BedrockCustomization) -> Iterator[Finding]:
    method = catalog.method_of(custom.base_model, custom.method)
    if method is None:
        return  # customization-base-customizable reports it
    if not method.hyperparameters:
        if custom.hyperparameters:
            yield Finding(_path(name, "hyperparameters"), f"AWS documents no hyperparameter range for {custom.method} "
                          f"of {custom.base_model}: values are not checked",
                          method.hyperparameters_note or "check the model customization page", "warning")
        return
    for key, value in custom.hyperparameters.items():
        path = _path(name, "hyperparameters", key)
        documented = method.hyperparameters.get(key)
        if documented is None:
            close = difflib.get_close_matches(key, list(method.hyperparameters), n=1, cutoff=0.5)
            yield Finding(path, f"'{key}' is not a hyperparameter of {custom.method} of {custom.base_model}",
                          f"did you mean '{close[0]}'?" if close else f"known: {', '.join(method.hyperparameters)}")
            continue
        if not documented.allows(value):
            kind = "an integer" if documented.type == "integer" else "a number"
            yield Finding(path, f"{key} = {value} is outside the documented range: {kind} from {documented.min:g} "
                          f"to {documented.max:g}",
                          f"default {documented.default:g} ({catalog.source_url(documented.source)})")
        if not documented.api_name_verified:
            yield Finding(path, f"AWS documents '{key}' for {custom.base_model} under a console label only",
                          documented.note or "check the API name before paying for a job", "warning")


@rule("customization-hyperparameters-in-range")
def customization_hyperparameters_in_range(env: EnvironmentConfig) -> Iterator[Finding]:
    """Bedrock rejects unknown names and out-of-range values only after the job was queued."""
    for name, custom in _bedrock(env).items():
        yield from _bedrock_hyperparameters(name, custom)
    for name, peft in _peft(env).items():
        for key, message, hint in option_problems(peft.hyperparameters, method=peft.method):
            yield Finding(_path(name, "hyperparameters", *((key,) if key else ())), message, hint)


def _bucket_problem(bucket: str) -> str | None:
    """S3's bucket naming rules the schema's pattern does not cover."""
    if ".." in bucket or ".-" in bucket or "-." in bucket:
        return "has '..', '.-' or '-.'"
    try:
        ipaddress.IPv4Address(bucket)
    except ValueError:
        return None if not bucket.startswith("xn--") and not bucket.endswith("-s3alias") else "uses a reserved form"
    return "is formatted as an IP address"


@rule("customization-data-uris")
def customization_data_uris(env: EnvironmentConfig) -> Iterator[Finding]:
    """Bucket names S3 accepts; for Bedrock, key characters its data preparation page allows."""
    for name, custom in sorted(env.project.customizations.items()):
        if not custom.runs_in(env.name):
            continue
        for channel, uri in custom.data.uris().items():
            bucket, _, key = uri.removeprefix("s3://").partition("/")
            problem = _bucket_problem(bucket)
            path = _path(name, "data", channel)
            if problem:
                yield Finding(path, f"bucket name '{bucket}' {problem}", "S3 bucket names are DNS labels")
            elif isinstance(custom, BedrockCustomization) and channel != "evaluation" and not BEDROCK_KEY_RE.match(key):
                yield Finding(path, f"'{key}': Bedrock accepts only letters, digits, '_', '-', '/' and '.' in data "
                              "file names", "rename the object")


@rule("customization-evaluation-distinct")
def customization_evaluation_distinct(env: EnvironmentConfig) -> Iterator[Finding]:
    """The holdout decides promotion: training on it (or on a file it prefixes) would make the gate lie.

    SageMaker reads a channel as an S3 prefix, so `train.jsonl` also takes `train.jsonl.bak.jsonl`.
    """
    for name, custom in sorted(env.project.customizations.items()):
        if not custom.runs_in(env.name):
            continue
        evaluation = custom.data.evaluation
        for channel in ("train", "validation"):
            uri = getattr(custom.data, channel)
            if uri is not None and (evaluation.startswith(uri) or uri.startswith(evaluation)):
                yield Finding(_path(name, "data", "evaluation"),
                              f"the evaluation set {'is' if uri == evaluation else 'overlaps'} the {channel} data "
                              f"({uri})", "keep the holdout in its own object, outside the training prefixes")


def _graviton_references(env: EnvironmentConfig) -> Iterator[Finding]:
    served: dict[str, list[str]] = {}
    customizations = env.project.customizations
    for name, deployment in sorted(env.deployments_of(GravitonDeployment).items()):
        ref = deployment.model.customization
        if ref is None:
            continue
        path = ("models", name, "model", "customization")
        custom = customizations.get(ref)
        if custom is None:
            close = difflib.get_close_matches(ref, list(customizations), n=1)
            yield Finding(path, f"no customization named '{ref}'",
                          f"did you mean '{close[0]}'?" if close else "define it under project.customizations")
        elif not isinstance(custom, SageMakerPeftCustomization):
            yield Finding(path, f"'{ref}' is a {custom.kind} customization: Graviton serves GGUF files, which only "
                          "sagemaker-peft customizations produce", "reference a kind: sagemaker-peft customization")
        elif not custom.runs_in(env.name):
            yield Finding(path, f"customization '{ref}' does not run in environment '{env.name}'",
                          "enable it here (customizations.<name>.environments) or remove the reference")
        elif custom.output.gguf.quantization != deployment.model.quantization:
            yield Finding(("models", name, "model", "quantization"),
                          f"'{ref}' writes {custom.output.gguf.quantization} GGUFs, "
                          f"not {deployment.model.quantization}",
                          f"write quantization: {custom.output.gguf.quantization} (or change the customization's)")
        else:
            served.setdefault(ref, []).append(name)
    for ref in _peft(env):
        names = served.get(ref, [])
        if len(names) != 1:
            yield Finding(_path(ref), f"customization '{ref}' is served by {len(names)} Graviton deployments here "
                          f"({', '.join(names) or 'none'}): its candidates are compared with what one deployment "
                          "serves, and promoted into it", "reference it from exactly one deployment: "
                          f"model: {{customization: {ref}, …}}")


def _bedrock_references(env: EnvironmentConfig) -> Iterator[Finding]:
    customizations = env.project.customizations
    for name, deployment in sorted(env.deployments_of(BedrockDeployment).items()):
        ref = deployment.custom_model
        if ref is None:
            continue
        path = ("models", name, "custom_model")
        custom = customizations.get(ref)
        if custom is None:
            close = difflib.get_close_matches(ref, list(customizations), n=1)
            yield Finding(path, f"no customization named '{ref}'",
                          f"did you mean '{close[0]}'?" if close else "define it under project.customizations")
        elif not isinstance(custom, BedrockCustomization):
            yield Finding(path, f"'{ref}' is a {custom.kind} customization, not a Bedrock custom model",
                          "reference a kind: bedrock customization")
        elif not custom.runs_in(env.name):
            yield Finding(path, f"customization '{ref}' does not run in environment '{env.name}'",
                          "enable it here (customizations.<name>.environments) or remove the reference")
        elif custom.base_model != deployment.model_id:
            yield Finding(("models", name, "model_id"), f"model_id serves until '{ref}' is promoted and must be its "
                          f"base model ({custom.base_model})", f"write model_id: {custom.base_model}")
        elif deployment.cross_region != "none":
            yield Finding(("models", name, "cross_region"), "a custom model is served in its own region only",
                          "write cross_region: none")


@rule("customization-provider-reference")
def customization_provider_reference(env: EnvironmentConfig) -> Iterator[Finding]:
    """Graviton `model.customization` and Bedrock `custom_model` name a customization they can serve."""
    yield from _graviton_references(env)
    yield from _bedrock_references(env)


@rule("customization-training-instance")
def customization_training_instance(env: EnvironmentConfig) -> Iterator[Finding]:
    """LoRA of a 1B+ model on CPU takes days; QLoRA does not run there at all."""
    for name, peft in _peft(env).items():
        path = _path(name, "training", "instance_type")
        spec = get_instance(peft.training.instance_type)
        if spec is None or not spec.is_sagemaker:
            yield Finding(path, f"unknown SageMaker instance type '{peft.training.instance_type}'",
                          "e.g. ml.g5.2xlarge, ml.g6.xlarge")
        elif not spec.has_gpu:
            yield Finding(path, f"{spec.name} has no GPU: the training image is CUDA-only",
                          "use a GPU instance, e.g. ml.g5.2xlarge")
        elif spec.regions and env.region not in spec.regions:
            yield Finding(path, f"{spec.name} is not offered in {env.region}", "pick a GPU family offered there")
