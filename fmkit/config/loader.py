"""Load `model_configs/`: parse every file line-aware, resolve each environment, validate.

The semantic rules are a parameter (`rules`), not an import: they sit above this layer.

Every problem in every file is collected before anything is raised, so a user fixes
their config in one pass. The only exception bad input produces is `ConfigError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fmkit.catalog import overlay
from fmkit.config.base import NAME_RE
from fmkit.config.catalog_overlay import read_catalog_overlay
from fmkit.config.diagnostics import did_you_mean, problems_from_validation
from fmkit.config.environment import EnvironmentConfig
from fmkit.config.errors import ConfigError, ConfigProblem, Location
from fmkit.config.findings import RuleSet
from fmkit.config.merge import deep_merge
from fmkit.config.yaml_source import DocPath, SourceDoc, SourceMap, read_yaml

PROJECT_FILE = "project.yaml"
ENV_DIR = "environments"
MODEL_DIR = "models"


@dataclass(frozen=True)
class ResolvedDocument:
    """One environment's merged raw document and where each value came from."""

    data: dict[str, Any]
    source: SourceMap


@dataclass(frozen=True)
class LoadedConfig:
    root: Path
    environments: dict[str, EnvironmentConfig]
    warnings: list[ConfigProblem] = field(default_factory=list)
    catalog: overlay.Overlay = overlay.EMPTY  # the project's own catalog entries (model_configs/catalog/)

    def environment(self, name: str) -> EnvironmentConfig:
        if name not in self.environments:
            raise ConfigError([unknown_environment(self.root, name, list(self.environments))])
        return self.environments[name]

    @property
    def names(self) -> list[str]:
        return list(self.environments)


def unknown_environment(root: Path, name: str, known: list[str]) -> ConfigProblem:
    hint = did_you_mean(name, known) or f"environments: {', '.join(known) or 'none'}"
    return ConfigProblem(
        Location(root / ENV_DIR / f"{name}.yaml", 1, 1), f"no environment named '{name}'", hint
    )


def _yaml_files(folder: Path, problems: list[ConfigProblem]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    if not folder.is_dir():
        return files
    for path in sorted(folder.iterdir()):
        if path.suffix == ".yml":
            problems.append(ConfigProblem(Location(path, 1, 1), "config files must end in .yaml",
                                          f"rename it to {path.stem}.yaml"))
        elif path.suffix == ".yaml":
            if not NAME_RE.match(path.stem):
                problems.append(ConfigProblem(
                    Location(path, 1, 1), f"'{path.stem}' is not a valid name for a config file",
                    "use lowercase letters, digits and '-', starting with a letter (it names stacks and tags)",
                ))
            else:
                files[path.stem] = path
    return files


@dataclass
class ConfigFiles:
    """Every config file read line-aware, before any environment is resolved."""

    project: SourceDoc | None = None
    env_files: dict[str, Path] = field(default_factory=dict)
    envs: dict[str, SourceDoc] = field(default_factory=dict)
    models: dict[str, SourceDoc] = field(default_factory=dict)
    prefixes: dict[Any, DocPath] = field(default_factory=dict)


def load_config(root: Path | str, rules: RuleSet | None = None) -> LoadedConfig:
    """Load every environment under `root`; raise ConfigError listing all problems.

    Without `rules` only the schema is checked; `fmkit.validate.load_validated` passes the
    semantic rules (catalogs, estimates), whose findings are located like schema errors.
    """
    root = Path(root)
    if not root.is_dir():
        raise ConfigError([ConfigProblem(Location(root, 1, 1), "config directory does not exist",
                                         "pass --config-dir pointing at model_configs/")])
    problems: list[ConfigProblem] = []
    # The project's catalog entries first: schema validators and rules look models up in the catalog.
    catalog = read_catalog_overlay(root, problems)
    overlay.activate(catalog)
    files = _read_files(root, problems)
    problems += _cross_file_problems(files.envs, files.models, list(files.env_files))
    environments: dict[str, EnvironmentConfig] = {}
    warnings: list[ConfigProblem] = []
    if files.project is not None:
        for name, env_doc in files.envs.items():
            env = _validate_environment(root, name, files, env_doc, rules, problems, warnings)
            if env is not None:
                environments[name] = env

    if problems:
        raise ConfigError(problems + warnings)
    unique_warnings = sorted(set(warnings), key=ConfigProblem.sort_key)
    return LoadedConfig(root, environments, unique_warnings, catalog)


def _read_files(root: Path, problems: list[ConfigProblem]) -> ConfigFiles:
    """Parse project.yaml, environments/*.yaml and models/*.yaml, collecting problems."""
    files = ConfigFiles()
    project_path = root / PROJECT_FILE
    if not project_path.is_file():
        problems.append(ConfigProblem(Location(project_path, 1, 1), "project.yaml is missing",
                                      "create it with name, owner and cost_center"))
    else:
        files.project, found = read_yaml(project_path, ("project",))
        problems += found

    files.env_files = _yaml_files(root / ENV_DIR, problems)
    if not files.env_files and not any(p.location.file.parent == root / ENV_DIR for p in problems):
        problems.append(ConfigProblem(Location(root / ENV_DIR, 1, 1), "no environment files found",
                                      "add environments/dev.yaml with account and region"))
    model_files = _yaml_files(root / MODEL_DIR, problems)

    for name, path in files.env_files.items():
        doc, found = read_yaml(path)
        problems += found
        if doc is not None:
            files.envs[name] = doc
    for name, path in model_files.items():
        doc, found = read_yaml(path, ("models", name))
        problems += found
        if doc is not None:
            files.models[name] = doc

    files.prefixes = {project_path: ("project",)}
    files.prefixes.update({path: ("models", name) for name, path in model_files.items()})
    files.prefixes.update({path: () for path in files.env_files.values()})
    return files


def _validate_environment(
    root: Path, name: str, files: ConfigFiles, env_doc: SourceDoc, rules: RuleSet | None,
    problems: list[ConfigProblem], warnings: list[ConfigProblem],
) -> EnvironmentConfig | None:
    """Resolve and validate one environment, then run `rules` on it; None if the schema rejects it."""
    assert files.project is not None
    resolved = _resolve(name, files.project, env_doc, files.models)
    try:
        # config_dir: validators may read files the config points at (e.g. guardrail word lists)
        env = EnvironmentConfig.model_validate(resolved.data, context={"config_dir": root})
    except ValidationError as exc:
        problems += problems_from_validation(exc, resolved.data, resolved.source, EnvironmentConfig,
                                             files.prefixes)
        return None
    warnings += _idle_overlays(env, env_doc)
    for rule_id, finding in rules(env) if rules is not None else ():  # schema only without rules
        loc = resolved.source.locate(finding.path) or Location(files.env_files[name], 1, 1)
        problem = ConfigProblem(loc, finding.message, finding.hint, finding.severity, rule_id)
        (warnings if finding.severity == "warning" else problems).append(problem)
    return env


def _idle_overlays(env: EnvironmentConfig, env_doc: SourceDoc) -> list[ConfigProblem]:
    """Overlays of models the environment does not deploy change nothing: say so, it is usually a slip."""
    overlays = env_doc.data.get("models")
    found = []
    for name in overlays if isinstance(overlays, dict) else ():
        model = env.models.get(name)
        if model is not None and model.environments is not None and env.name not in model.environments:
            loc = env_doc.source.keys.get(("models", name)) or Location(env_doc.file, 1, 1)
            found.append(ConfigProblem(
                loc, f"the overlay of '{name}' changes nothing: {name} is not deployed in {env.name} "
                f"(environments: {', '.join(model.environments)})",
                f"add {env.name} to environments in models/{name}.yaml, or remove this overlay", "warning"))
    return found


def _cross_file_problems(
    env_docs: dict[str, SourceDoc], model_docs: dict[str, SourceDoc], env_names: list[str]
) -> list[ConfigProblem]:
    """References between files: overlays of models that do not exist, unknown environments."""
    problems = []
    for env_doc in env_docs.values():
        overlays = env_doc.data.get("models")
        if overlays is not None and not isinstance(overlays, dict):
            loc = env_doc.source.values.get(("models",)) or Location(env_doc.file, 1, 1)
            problems.append(ConfigProblem(loc, "'models' must be a mapping of model name to overlay",
                                          "e.g. models: {llama: {enabled: false}}"))
        if isinstance(overlays, dict):
            for model_name in overlays:
                if model_name not in model_docs:
                    loc = env_doc.source.keys.get(("models", model_name)) or Location(env_doc.file, 1, 1)
                    hint = did_you_mean(model_name, list(model_docs)) or (
                        f"there is no models/{model_name}.yaml; models: {', '.join(model_docs) or 'none'}"
                    )
                    problems.append(ConfigProblem(loc, f"overlay for unknown model '{model_name}'", hint))
    for name, model_doc in model_docs.items():
        envs = model_doc.data.get("environments")
        if isinstance(envs, list):
            for index, env_name in enumerate(envs):
                if isinstance(env_name, str) and env_name not in env_names:
                    item_loc = model_doc.source.values.get(("models", name, "environments", index))
                    hint = did_you_mean(env_name, env_names) or (
                        f"create environments/{env_name}.yaml, or use one of: {', '.join(env_names)}"
                    )
                    problems.append(ConfigProblem(item_loc or Location(model_doc.file, 1, 1),
                                                  f"unknown environment '{env_name}'", hint))
    return problems


def _resolve(
    env_name: str, project: SourceDoc, env: SourceDoc, models: dict[str, SourceDoc]
) -> ResolvedDocument:
    smap = SourceMap()
    smap.update(env.source)
    data: dict[str, Any] = {"name": env_name}
    for key, value in env.data.items():
        if key not in ("project", "models"):
            data[key] = value
    smap.update(project.source)
    project_overlay = env.data.get("project")
    if project_overlay is None:
        data["project"] = project.data
    else:
        data["project"] = deep_merge(project.data, project_overlay, ("project",), smap, env.source)
    model_overlays = env.data.get("models") if isinstance(env.data.get("models"), dict) else {}
    data["models"] = {}
    for name, doc in models.items():
        smap.update(doc.source)
        overlay = model_overlays.get(name)
        data["models"][name] = (
            doc.data if overlay is None else deep_merge(doc.data, overlay, ("models", name), smap, env.source)
        )
    return ResolvedDocument(data, smap)
