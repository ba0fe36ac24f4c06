#!/usr/bin/env python3
"""CDK entry point: the only place that reads context. `-c env=NAME` selects one environment.

    npx cdk synth                 # every environment in model_configs/
    npx cdk synth -c env=dev      # just dev
    npx cdk deploy -c env=prod 'prod/*'   # stacks inside a Stage are selected by path pattern
    -c config_dir=DIR             # another config directory (default: model_configs)
"""

from __future__ import annotations

import sys
from pathlib import Path

import aws_cdk as cdk

from fmkit.config import ConfigError
from fmkit.validate import load_validated
from stacks.app_builder import build_app


def main() -> None:
    app = cdk.App()
    config_dir = Path(app.node.try_get_context("config_dir") or Path(__file__).parent / "model_configs")
    selected = app.node.try_get_context("env")
    try:
        loaded = load_validated(config_dir)
        names = [selected] if selected else loaded.names
        environments = [loaded.environment(name) for name in names]
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem.format(Path.cwd()), file=sys.stderr)
        print("fix the config above (or run `fmkit validate`) and synthesize again", file=sys.stderr)
        sys.exit(2)
    for warning in loaded.warnings:
        print(warning.format(Path.cwd()), file=sys.stderr)
    build_app(app, environments)
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
