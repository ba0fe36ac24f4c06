"""fmkit configuration: strict, typed, line-aware. Import-light: never imports aws-cdk-lib."""

from fmkit.config.environment import EnvironmentConfig
from fmkit.config.errors import ConfigError, ConfigProblem, Location
from fmkit.config.loader import LoadedConfig, load_config

__all__ = ["ConfigError", "ConfigProblem", "EnvironmentConfig", "LoadedConfig", "Location", "load_config"]
