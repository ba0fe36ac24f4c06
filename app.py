#!/usr/bin/env python3
"""CDK entry point: the only place that reads context. `-c env=NAME` selects one environment.

    npx cdk synth                 # every environment in model_configs/
    npx cdk synth -c env=dev      # just dev
    npx cdk deploy -c env=prod 'prod/*'   # stacks inside a Stage are selected by path pattern
    -c config_dir=DIR             # another config directory (default: model_configs)

With `project.pipeline` in the config (and no `-c env`), the app also holds the deploy pipeline
stack, which deploys the same Stages from the tooling account.
"""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk

from fmkit.config import ConfigError
from fmkit.config.pipeline import pipeline_of
from fmkit.validate import load_validated
from stacks.app_builder import build_app

ROOT = Path(__file__).resolve().parent


def repo_relative(config_dir: Path) -> str:
    """The config directory as the pipeline's checkout sees it (it must be inside this repository)."""
    try:
        return config_dir.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        print(f"{config_dir}: a config with project.pipeline must live inside this repository "
              "(the pipeline synthesizes it from its checkout)", file=sys.stderr)
        sys.exit(2)


def main() -> None:
    # CDK's built-in CloudFormation validator re-checks every template in WebAssembly (~2.5 s a synth);
    # `make synth`, the pull-request check and the pipeline's synth step lint them with cfn-lint instead.
    app = cdk.App(builtin_cloud_formation_validation=False)
    config_dir = Path(app.node.try_get_context("config_dir") or ROOT / "model_configs")
    selected = app.node.try_get_context("env")
    try:
        loaded = load_validated(config_dir)
        names = [selected] if selected else loaded.names
        environments = [loaded.environment(name) for name in names]
        pipeline = None if selected else pipeline_of(loaded)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem.format(Path.cwd()), file=sys.stderr)
        print("fix the config above (or run `fmkit validate`) and synthesize again", file=sys.stderr)
        sys.exit(2)
    for warning in loaded.warnings:
        print(warning.format(Path.cwd()), file=sys.stderr)
    stages = build_app(app, environments)
    if pipeline is not None:
        from stacks.pipeline.app_pipeline import add_pipeline

        add_pipeline(app, pipeline, stages, project=environments[0].project.name,
                     config_dir=repo_relative(config_dir))
    try:
        app.synth()
    except RuntimeError as exc:  # jsii surfaces cdk-nag's ValidationFailed as a RuntimeError
        if "alidation" not in str(exc):
            raise
        print("cdk-nag found unacknowledged findings; report: cdk.out/validation-report.json",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
