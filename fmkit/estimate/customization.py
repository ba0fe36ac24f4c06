"""What a customization costs and emits per month: its runs, what they store, what serving them needs.

One line per customization in `fmkit plan` (`customization:<name>`), from `expected`
(runs per month, training tokens, training hours):

- **sagemaker-peft**: training instance-hours × the SageMaker instance catalog's price (the
  real-time list price: AWS's price list gives training the same unit price for these types),
  with energy and CO2e from the same carbon estimator as every instance; the job's S3 output
  (merged weights and the GGUF). Spot is not discounted (spot prices vary; the estimate is the
  on-demand ceiling) and the conversion build's minutes are not priced.
- **bedrock**: tokens × epochs × the per-token training price, the custom model's storage per
  month and the provisioned throughput it needs, each only where the catalog has an
  AWS-authored price: an unknown price is shown as unknown (hardware column), never guessed.
  Bedrock publishes no energy figure for training: energy is not estimated.
"""

from __future__ import annotations

from fmkit.catalog import bedrock_customization as catalog
from fmkit.catalog.cards import card_for_jumpstart, card_for_open_weights
from fmkit.catalog.instances import get_instance
from fmkit.catalog.prices import service_price
from fmkit.config.customization import BedrockCustomization, SageMakerPeftCustomization
from fmkit.config.environment import EnvironmentConfig
from fmkit.estimate import carbon
from fmkit.estimate.cost import accelerator_label, instance_price
from fmkit.estimate.model import HOURS_PER_MONTH, DeploymentEstimate, Footprint, Range

# GGUF bytes per parameter by quantization (llama.cpp block sizes: Q4_0 is 18 bytes per 32 weights…).
GGUF_BYTES_PER_PARAM = {"Q8_0": 1.0625, "Q6_K": 0.82, "Q5_K_M": 0.71, "Q5_0": 0.6875, "Q4_K_M": 0.6,
                        "Q4_1": 0.625, "Q4_0": 0.5625}
MERGED_BYTES_PER_PARAM = 2.0  # the merged model is saved in float16
MODEL_UNIT_NOTE = "provisioned throughput: price per model unit unknown (not published in the sources read)"


def estimate_customizations(env: EnvironmentConfig) -> list[DeploymentEstimate]:
    """One estimate per customization that runs in `env`."""
    items = []
    for name, custom in sorted(env.project.customizations.items()):
        if not custom.runs_in(env.name):
            continue
        if isinstance(custom, BedrockCustomization):
            items.append(bedrock_customization(name, custom, env.region))
        else:
            items.append(peft_customization(name, custom, env.region))
    return items


def customizations_available(env: EnvironmentConfig, region: str) -> bool:
    """Every customization that runs in `env` could run in `region` (a region move must keep them)."""
    for custom in env.project.customizations.values():
        if not custom.runs_in(env.name):
            continue
        if isinstance(custom, BedrockCustomization):
            method = catalog.method_of(custom.base_model, custom.method)
            if method is None or region not in method.regions:
                return False
        else:
            spec = get_instance(custom.training.instance_type)
            if spec is None or region not in spec.regions:
                return False
    return True


def _epochs(custom: BedrockCustomization) -> float | None:
    if "epochCount" in custom.hyperparameters:
        return float(custom.hyperparameters["epochCount"])
    method = catalog.method_of(custom.base_model, custom.method)
    documented = method.hyperparameters.get("epochCount") if method is not None else None
    return documented.default if documented is not None else None


def _bedrock_training(custom: BedrockCustomization, pricing: catalog.CustomizationPricing | None,
                      unknown: list[str], notes: list[str]) -> float:
    tokens, epochs = custom.expected.training_tokens, _epochs(custom)
    price = pricing.training_per_1k_tokens_usd if pricing is not None else None
    if price is None:
        unknown.append("training")
        notes.append(f"training price of {custom.base_model} unknown (the catalog has no AWS-authored price)")
        return 0.0
    if tokens is None or epochs is None:
        notes.append("training tokens unknown: set expected.training_tokens (`fmkit customize check-data` counts "
                     "them)")
        return 0.0
    notes.append(f"training: {tokens:,} tokens x {epochs:g} epochs x ${price:g}/1k tokens "
                 f"({pricing.source if pricing else ''}, {pricing.region if pricing else ''})")
    return tokens / 1000.0 * epochs * price


def bedrock_customization(name: str, custom: BedrockCustomization, region: str) -> DeploymentEstimate:
    model = catalog.get_customizable(custom.base_model)
    pricing = model.pricing if model is not None else None
    runs = custom.expected.runs_per_month
    unknown: list[str] = []
    notes = [f"{runs:g} run(s)/month (expected.runs_per_month)",
             "energy of Bedrock training not estimated (Bedrock publishes no figure)"]
    usd = _bedrock_training(custom, pricing, unknown, notes) * runs
    storage = pricing.storage_per_model_month_usd if pricing is not None else None
    kept = 1 + runs  # the served custom model and this month's candidates (rejected ones are kept too)
    if storage is None:
        unknown.append("storage")
    else:
        usd += storage * kept
        notes.append(f"storage: {kept:g} custom models x ${storage:g}/month (delete rejected candidates you no "
                     "longer need)")
    provisioned = custom.output.provisioned
    if provisioned is not None:
        price = pricing.provisioned_per_model_unit_hour_usd if pricing is not None else None
        if price is None:
            unknown.append("provisioned throughput")
            notes.append(MODEL_UNIT_NOTE)
        else:
            usd += provisioned.model_units * HOURS_PER_MONTH * price
    else:
        notes.append("on demand: invocations are billed per token like the base model (the serving deployment)")
    what = f"Bedrock {custom.method}" + (f": price unknown ({', '.join(unknown)})" if unknown else "")
    return DeploymentEstimate(f"customization:{name}", "customization", region, Footprint(usd=Range.fixed(usd)),
                              arch="managed", instance_type=what, notes=tuple(notes))


def _params_billion(custom: SageMakerPeftCustomization) -> float | None:
    base = custom.base
    card = (card_for_jumpstart(base.jumpstart_model_id) if base.jumpstart_model_id
            else card_for_open_weights(str(base.hf_model_id)))
    return card.params_billion if card is not None else None


def _storage(custom: SageMakerPeftCustomization, region: str, runs: float, notes: list[str]) -> float:
    params = _params_billion(custom)
    if params is None:
        notes.append("model size unknown: S3 storage not counted")
        return 0.0
    gb = params * (MERGED_BYTES_PER_PARAM + GGUF_BYTES_PER_PARAM[custom.output.gguf.quantization]) * runs
    notes.append(f"S3: {gb:,.1f} GB of merged weights and GGUFs a month (noncurrent versions expire)")
    return gb * service_price("s3.standard.gb_month", region)


def peft_customization(name: str, custom: SageMakerPeftCustomization, region: str) -> DeploymentEstimate:
    training = custom.training
    runs = custom.expected.runs_per_month
    spec = get_instance(training.instance_type)
    item = f"customization:{name}"
    if spec is None:
        return DeploymentEstimate(item, "customization", region, Footprint(), arch="unknown",
                                  instance_type=training.instance_type,
                                  notes=(f"{training.instance_type} is not in the instance catalog: not estimated",))
    expected_hours = custom.expected.training_hours or training.max_runtime_hours
    hours = Range(expected_hours, expected_hours, max(expected_hours, training.max_runtime_hours)).scale(runs)
    notes = [f"{runs:g} run(s)/month x {expected_hours:g} h" + ("" if custom.expected.training_hours else
             " (max_runtime_hours: set expected.training_hours)"),
             "training priced at the instance catalog's SageMaker list price",
             "GGUF conversion build (CodeBuild arm64) not priced"]
    if training.spot:
        notes.append("spot: the discount is not counted (spot prices vary): this is the on-demand ceiling")
    price, price_note = instance_price(spec, region)
    notes += [price_note] if price_note else []
    storage = _storage(custom, region, runs, notes)
    usd = hours.scale(price or 0.0).map(lambda v: v + storage)
    kwh = hours.map(lambda h: carbon.instance_kwh(spec, h))
    footprint = Footprint(usd=usd, kwh=kwh, kg_operational=kwh.map(lambda k: carbon.operational_kg(k, region)),
                          kg_embodied=hours.map(lambda h: carbon.embodied_kg(spec, h)))
    return DeploymentEstimate(item, "customization", region, footprint, arch=spec.arch,
                              accelerator=accelerator_label(spec), instance_type=spec.name, instance_hours=hours,
                              notes=tuple(dict.fromkeys(notes)))
