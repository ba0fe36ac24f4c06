"""Check a config's `hyperparameters` for the training script before any job is paid for.

The values reach `train.py` as `--name value` (see `sagemaker_job.encoded_hyperparameters`), so
each one is parsed here by the script's own parser and the combination is checked by its own
`TrainingSettings`: a value the job would refuse at start is refused by `fmkit validate`.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fmkit.customize.training.arguments import build_parser
from fmkit.customize.training.settings import SettingsError, TrainingSettings

# Set by the config itself (method) or by the job's environment (paths): never a hyperparameter.
RESERVED = {"method": "set the customization's 'method' instead",
            "base_model": "set base.hf_model_id or base.jumpstart_model_id instead"}
_PATHS = {"train_dir": Path("train"), "validation_dir": None, "model_dir": Path("model"),
          "output_data_dir": Path("output"), "checkpoint_dir": Path("checkpoints")}

Problem = tuple[str | None, str, str | None]  # (key, message, hint)


def _actions() -> dict[str, argparse.Action]:
    parser = build_parser({})
    return {a.dest: a for a in parser._actions if a.dest != "help" and a.dest not in _PATHS}


def _text(value: str | int | float | bool) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _parse(action: argparse.Action, value: str | int | float | bool) -> tuple[Any, str | None]:
    """The value as the script would parse it, or why it would refuse it."""
    text = _text(value)
    try:
        parsed = action.type(text) if callable(action.type) else text
    except (ValueError, TypeError, argparse.ArgumentTypeError) as exc:
        return None, str(exc) or f"not a valid {getattr(action.type, '__name__', 'value')}"
    if action.choices is not None and parsed not in action.choices:
        return None, f"must be one of {', '.join(map(str, action.choices))}"
    return parsed, None


def option_problems(hyperparameters: Mapping[str, str | int | float | bool], *, method: str) -> list[Problem]:
    """Every problem with `hyperparameters` for `method` (lora or qlora); empty when the job takes them."""
    actions = _actions()
    problems: list[Problem] = []
    parsed: dict[str, Any] = {}
    for key, value in hyperparameters.items():
        if key in RESERVED:
            problems.append((key, f"'{key}' is not a hyperparameter here", RESERVED[key]))
            continue
        action = actions.get(key)
        if action is None:
            close = difflib.get_close_matches(key, list(actions), n=1, cutoff=0.5)
            problems.append((key, f"train.py has no option '{key}'",
                             f"did you mean '{close[0]}'?" if close else f"options: {', '.join(sorted(actions))}"))
            continue
        result, why = _parse(action, value)
        if why is not None:
            problems.append((key, f"{key} = {_text(value)!r}: {why}", None))
        else:
            parsed[key] = result
    if not problems:
        try:
            TrainingSettings(base_model="base", method=method, **_PATHS, **parsed)  # type: ignore[arg-type]
        except SettingsError as exc:
            problems.append((None, f"the training script would refuse these hyperparameters: {exc}", None))
    return problems
