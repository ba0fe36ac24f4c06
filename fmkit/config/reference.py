"""Generate the Markdown config reference from the pydantic models (so it cannot drift)."""

from __future__ import annotations

import re
import types
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from fmkit.config.deployments import BedrockDeployment, GravitonDeployment, SageMakerDeployment
from fmkit.config.environment import EnvironmentFile
from fmkit.config.project import ProjectConfig

SECTIONS: list[tuple[str, str, type[BaseModel]]] = [
    ("project.yaml", "Project-wide settings; every environment inherits them.", ProjectConfig),
    ("environments/<env>.yaml", "One file per environment (its own account and region).", EnvironmentFile),
    ("models/<name>.yaml — provider: bedrock", "A Bedrock foundation model.", BedrockDeployment),
    ("models/<name>.yaml — provider: sagemaker", "An open model on a SageMaker endpoint.", SageMakerDeployment),
    ("models/<name>.yaml — provider: ec2-graviton", "llama.cpp on Graviton EC2 behind an ALB.", GravitonDeployment),
]


def _slug(title: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _type_name(tp: Any, anchors: dict[type, str]) -> str:
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (Union, types.UnionType):
        return " \\| ".join(_type_name(a, anchors) for a in args if a is not type(None)) + (
            " \\| null" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0], anchors)}" if args else "list"
    if origin is dict:
        return f"map of {_type_name(args[1], anchors)}" if args else "map"
    if get_origin(tp) is not None and hasattr(tp, "__metadata__"):
        return _type_name(args[0], anchors)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[{tp.__name__}](#{anchors.get(tp, _slug(tp.__name__))})"
    if str(tp).startswith("typing.Annotated"):
        return _type_name(args[0], anchors)
    return getattr(tp, "__name__", str(tp))


def _nested_models(tp: Any, found: list[type[BaseModel]]) -> None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp not in found:
            found.append(tp)
            for info in tp.model_fields.values():
                _nested_models(info.annotation, found)
        return
    for arg in get_args(tp):
        _nested_models(arg, found)


def _default(info: Any) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, BaseModel):
            return "see below"
        return f"`{value!r}`" if value not in ({}, []) else "empty"
    if info.default is PydanticUndefined:
        return ""
    return f"`{info.default!r}`" if info.default is not None else "`null`"


def _table(model: type[BaseModel], anchors: dict[type, str]) -> list[str]:
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        key = info.alias or name  # the YAML key (e.g. `async`, a Python keyword, is field `async_`)
        description = (info.description or "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{key}` | {_type_name(info.annotation, anchors)} | {_default(info)} | {description} |")
    return lines


def _layout() -> list[tuple[str, str, type[BaseModel], list[tuple[str, type[BaseModel]]]]]:
    """Each section with the nested models documented under it (once, where first met), titled
    uniquely: a class name used by two providers (e.g. `Autoscaling`) gets the provider appended."""
    documented: set[type[BaseModel]] = set()
    names: dict[str, type[BaseModel]] = {}
    layout = []
    for title, blurb, model in SECTIONS:
        documented.add(model)
        nested: list[type[BaseModel]] = []
        _nested_models(model, nested)
        subsections = []
        for sub in nested[1:]:
            if sub in documented:
                continue
            documented.add(sub)
            heading = sub.__name__
            if names.setdefault(heading, sub) is not sub:
                heading = f"{sub.__name__} ({sub.__module__.rsplit('.', 1)[-1]})"
            subsections.append((heading, sub))
        layout.append((title, blurb, model, subsections))
    return layout


def render_reference() -> str:
    out = ["# fmkit config reference", "",
           "Generated from the pydantic models by `fmkit config reference` — do not edit by hand.",
           "Every key is strict: an unknown key is an error with a did-you-mean.", ""]
    layout = _layout()
    anchors: dict[type, str] = {sub: _slug(heading) for *_, subsections in layout for heading, sub in subsections}
    for title, blurb, model, subsections in layout:
        out += [f"## {title}", "", blurb, "", *_table(model, anchors), ""]
        for heading, sub in subsections:
            doc = (sub.__doc__ or "").strip().splitlines()[0] if sub.__doc__ else ""
            out += [f"### {heading}", "", doc, "", *_table(sub, anchors), ""]
    return "\n".join(out).rstrip() + "\n"
