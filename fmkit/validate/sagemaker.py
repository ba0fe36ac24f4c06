"""SageMaker deployment rules: catalog, region and hosting-mode checks `fmkit validate` runs.

Each rule points at the key to change, so a mistake surfaces as file:line:col before any
CloudFormation deploy fails twenty minutes in.
"""

from __future__ import annotations

from collections.abc import Iterator

from fmkit.catalog.instances import get_instance, suggest_instance_types
from fmkit.catalog.jumpstart import JumpStartModel, all_jumpstart_models, catalog_retrieved, get_jumpstart_model
from fmkit.catalog.sagemaker_hosting import has_local_nvme
from fmkit.catalog.sagemaker_images import ImageError, is_gpu_instance
from fmkit.catalog.unknown import JUMPSTART_ID_RE, unknown_model
from fmkit.config.environment import EnvironmentConfig
from fmkit.config.providers.sagemaker import SageMakerDeployment
from fmkit.validate.registry import DocPath, Finding, rule


def _jumpstart(model: SageMakerDeployment) -> JumpStartModel | None:
    source = model.source.jumpstart
    return get_jumpstart_model(source.model_id) if source is not None else None


def _needs_gpu(model: SageMakerDeployment) -> bool:
    return model.needs_gpu()


@rule("sagemaker-jumpstart-model-known")
def jumpstart_model_known(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        source = model.source.jumpstart
        if source is None:
            continue
        path: DocPath = ("models", name, "source", "jumpstart")
        entry = get_jumpstart_model(source.model_id)
        if entry is None:
            why = unknown_model("JumpStart", source.model_id, all_jumpstart_models(), well_formed=JUMPSTART_ID_RE,
                                retrieved=catalog_retrieved(), catalog_section="jumpstart_catalog",
                                refresh_script="scripts/refresh_jumpstart_catalog.py")
            yield Finding((*path, "model_id"), why.message, why.hint)
        elif source.version is not None and source.version != entry.version:
            yield Finding((*path, "version"),
                          f"the catalog snapshot has {source.model_id} version {entry.version}, not {source.version}",
                          "omit 'version' or refresh with scripts/refresh_jumpstart_catalog.py")


@rule("sagemaker-jumpstart-model-in-region")
def jumpstart_model_in_region(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        entry = _jumpstart(model)
        if entry is not None and env.region not in entry.regions:
            yield Finding(("models", name, "source", "jumpstart", "model_id"),
                          f"JumpStart model '{entry.model_id}' is not hosted in {env.region}",
                          f"available in: {', '.join(sorted(entry.regions)[:8])}…")


@rule("sagemaker-eula-accepted")
def eula_accepted(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        entry = _jumpstart(model)
        accepted = model.source.jumpstart is not None and model.source.jumpstart.accept_eula
        if entry is not None and entry.eula_required and not accepted:
            yield Finding(("models", name, "source", "jumpstart", "model_id"),
                          f"'{entry.model_id}' is EULA-gated and accept_eula is not true",
                          "read the model's license, then set accept_eula: true")


@rule("sagemaker-instance-in-region")
def instance_in_region(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        spec = get_instance(model.instance_type)
        path = ("models", name, "instance_type")
        if spec is None or not spec.is_sagemaker:
            close = suggest_instance_types(model.instance_type)
            yield Finding(path, f"'{model.instance_type}' is not a SageMaker hosting instance type",
                          f"did you mean '{close[0]}'?" if close
                          else "SageMaker types start with 'ml.', e.g. ml.g5.xlarge")
        elif env.region not in spec.regions:
            yield Finding(path, f"{model.instance_type} is not offered in {env.region}",
                          "pick another size or family, or another region")


@rule("sagemaker-instance-supported-by-model")
def instance_supported_by_model(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        entry = _jumpstart(model)
        if entry is not None and model.serverless is None and model.instance_type not in entry.supported_instance_types:
            yield Finding(("models", name, "instance_type"),
                          f"{entry.model_id} does not support {model.instance_type}",
                          f"default: {entry.default_instance_type}; supported: "
                          f"{', '.join(entry.supported_instance_types[:6])}…")


@rule("sagemaker-gpu-model-on-cpu")
def gpu_model_on_cpu(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        known = get_instance(model.instance_type) is not None
        if model.serverless is None and known and _needs_gpu(model) and not is_gpu_instance(model.instance_type):
            yield Finding(("models", name, "instance_type"),
                          f"this model needs a GPU but {model.instance_type} has none",
                          "use a GPU type such as ml.g5.xlarge or ml.g6.xlarge")


@rule("sagemaker-serverless-cpu-only")
def serverless_cpu_only(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        if model.serverless is not None and _needs_gpu(model):
            yield Finding(("models", name, "serverless"),
                          "serverless endpoints have no GPU, and this model needs one",
                          "use a real-time endpoint (remove 'serverless') with autoscaling.scale_to_zero for idle cost")


@rule("sagemaker-hosting-mode")
def hosting_mode(env: EnvironmentConfig) -> Iterator[Finding]:
    """Serverless excludes async, autoscaling, VPC and data capture; scale-to-zero is real-time only;
    the backlog metric exists for async endpoints only, the concurrent-requests one for real-time only."""
    for name, model in env.deployments_of(SageMakerDeployment).items():
        base = ("models", name)
        if model.serverless is not None:
            yield from _serverless_conflicts(base, model)
            continue
        if model.async_ is not None and model.autoscaling is not None and model.autoscaling.scale_to_zero:
            yield Finding((*base, "autoscaling", "scale_to_zero"),
                          "scale_to_zero (inference components) is for real-time endpoints",
                          "async endpoints scale to zero without it: remove scale_to_zero and set min: 0")
        yield from _metric_mismatch(base, model)


def _serverless_conflicts(base: DocPath, model: SageMakerDeployment) -> Iterator[Finding]:
    for key, present in (("async", model.async_), ("vpc", model.vpc or None), ("data_capture", model.data_capture)):
        if present is not None:
            yield Finding((*base, key), f"serverless endpoints do not support '{key}'",
                          f"remove '{key}' or 'serverless'")
    if model.autoscaling is not None and model.autoscaling.scale_to_zero:
        yield Finding((*base, "autoscaling", "scale_to_zero"),
                      "scale_to_zero does not apply to serverless endpoints",
                      "serverless already costs nothing idle: remove 'autoscaling'")
    elif model.autoscaling is not None:
        yield Finding((*base, "autoscaling"), "serverless endpoints scale by themselves",
                      "remove 'autoscaling' (tune serverless.max_concurrency instead)")


def _metric_mismatch(base: DocPath, model: SageMakerDeployment) -> Iterator[Finding]:
    """The configured metric must exist for the endpoint's mode (async queue vs real-time requests)."""
    metric = model.autoscaling.metric if model.autoscaling is not None else None
    if model.async_ is not None and metric == "concurrent_requests":
        yield Finding((*base, "autoscaling", "metric"),
                      "concurrent_requests tracks real-time requests; an async endpoint's load is its queue",
                      "use metric: backlog_per_instance (queued requests per instance)")
    elif model.async_ is None and metric == "backlog_per_instance":
        yield Finding((*base, "autoscaling", "metric"),
                      "backlog_per_instance measures an async endpoint's queue; this endpoint has none",
                      "use concurrent_requests or invocations_per_instance, or add 'async'")


@rule("sagemaker-autoscaling-bounds")
def autoscaling_bounds(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        scaling = model.autoscaling
        if scaling is None:
            continue
        path = ("models", name, "autoscaling")
        if scaling.min > scaling.max:
            yield Finding((*path, "min"), f"autoscaling min {scaling.min} is greater than max {scaling.max}",
                          "min is the floor and max the ceiling: make min <= max")
        zero_ok = scaling.scale_to_zero or model.async_ is not None  # async endpoints can reach 0 instances
        if scaling.min == 0 and not zero_ok:
            yield Finding((*path, "min"), "min 0 needs scale_to_zero: true",
                          "only inference components (or async endpoints) can scale to zero")
        for index, action in enumerate(scaling.schedules):  # min <= max and unique names: the schema checks
            if action.min == 0 and not zero_ok:
                yield Finding((*path, "schedules", index, "min"),
                              f"schedule '{action.name}' scales to 0 without scale_to_zero: true",
                              "set autoscaling.scale_to_zero: true (inference components)")


@rule("sagemaker-network-isolation-hub")
def network_isolation_hub(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        container = model.source.container
        if container is None or container.hf_model_id is None:
            continue
        if model.network_isolation:
            yield Finding(("models", name, "network_isolation"),
                          "network isolation blocks the download from the Hugging Face Hub",
                          "copy the weights to S3 and use model_data_s3_uri, or set network_isolation: false")
        if model.vpc and env.platform.vpc.egress == "none":
            yield Finding(("models", name, "vpc"),
                          "the platform VPC has no internet egress, so the Hub download would fail",
                          "use model_data_s3_uri, or platform.vpc.egress: nat")


@rule("sagemaker-volume-size-ebs-only")
def volume_size_ebs_only(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        if model.volume_size_gb is not None and (model.serverless is not None or has_local_nvme(model.instance_type)):
            yield Finding(("models", name, "volume_size_gb"),
                          f"{model.instance_type} has local NVMe storage (or is serverless): no EBS volume to size",
                          "remove volume_size_gb")


@rule("sagemaker-image-resolvable")
def image_resolvable(env: EnvironmentConfig) -> Iterator[Finding]:
    for name, model in env.deployments_of(SageMakerDeployment).items():
        if get_instance(model.instance_type) is None or (_jumpstart(model) is None and model.source.container is None):
            continue  # reported by the rules above
        try:
            model.serving_image(env.region)
        except ImageError as exc:
            key = "jumpstart" if model.source.jumpstart is not None else "container"
            yield Finding(("models", name, "source", key), f"no serving image: {exc}",
                          "pick a version sagemaker-core knows (container.version), or refresh the catalog")


@rule("sagemaker-jumpstart-artifacts-verified")
def jumpstart_artifacts_verified(env: EnvironmentConfig) -> Iterator[Finding]:
    """A JumpStart entry whose artifact prefix was never seen in a public source may not exist."""
    for name, model in env.deployments_of(SageMakerDeployment).items():
        entry = _jumpstart(model)
        if entry is None or entry.artifact_verified:
            continue
        yield Finding(("models", name, "source", "jumpstart", "model_id"),
                      f"the artifact prefix of {entry.model_id} in fmkit's JumpStart snapshot is not verified "
                      f"(s3://{entry.artifact_bucket}/{entry.artifact_prefix})",
                      "refresh the snapshot with scripts/refresh_jumpstart_catalog.py (needs credentials), check it "
                      "with `fmkit preflight ENV`, or serve the model from a container source "
                      "(source: {container: {framework: tgi, hf_model_id: …}})", "warning")
