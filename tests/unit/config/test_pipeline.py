"""`project.pipeline`: the two kinds of source, the environment order and approvals, errors at the
line that causes them, and one pipeline for every environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.config import ConfigError
from fmkit.config.pipeline import CodeConnectionsSource, S3Source, pipeline_of
from tests.helpers import load

CONNECTION = "arn:aws:codeconnections:eu-west-1:333333333333:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
PROD = """
    account: "222222222222"
    region: us-east-1
"""


def project(pipeline: str) -> str:
    body = "\n".join(f"    {line}" for line in pipeline.strip("\n").splitlines())
    return f"name: demo\nowner: team@example.com\ncost_center: CC-1\npipeline:\n{body}\n"


REPOSITORY_PIPELINE = f"""
account: "333333333333"
region: eu-west-1
source:
  connection_arn: {CONNECTION}
  repository: acme/model-configs
environments: [dev, prod]
manual_approval: [prod]
"""


def problems(tmp_path: Path, pipeline: str) -> list[tuple[str, int, str]]:
    with pytest.raises(ConfigError) as exc:
        load(tmp_path, {"project.yaml": project(pipeline), "environments/prod.yaml": PROD})
    return [(p.location.file.name, p.location.line, p.message) for p in exc.value.problems]


def test_a_repository_pipeline_resolves_in_every_environment(tmp_path: Path) -> None:
    loaded = load(tmp_path, {"project.yaml": project(REPOSITORY_PIPELINE), "environments/prod.yaml": PROD})
    pipeline = pipeline_of(loaded)
    assert pipeline is not None
    assert isinstance(pipeline.source, CodeConnectionsSource)
    assert (pipeline.source.repository, pipeline.source.branch, pipeline.source.trigger_on_push) == (
        "acme/model-configs", "main", True)
    assert (pipeline.account, pipeline.region) == ("333333333333", "eu-west-1")
    assert pipeline.environments == ["dev", "prod"] and pipeline.manual_approval == ["prod"]
    assert loaded.environment("dev").project.pipeline == loaded.environment("prod").project.pipeline


def test_an_s3_source_is_told_apart_by_its_bucket(tmp_path: Path) -> None:
    text = REPOSITORY_PIPELINE.replace(
        f"  connection_arn: {CONNECTION}\n  repository: acme/model-configs", "  bucket: acme-sources\n  key: fmkit.zip")
    pipeline = pipeline_of(load(tmp_path, {"project.yaml": project(text), "environments/prod.yaml": PROD}))
    assert pipeline is not None and isinstance(pipeline.source, S3Source)
    assert (pipeline.source.bucket, pipeline.source.key) == ("acme-sources", "fmkit.zip")


def test_no_pipeline_by_default(tmp_path: Path) -> None:
    assert pipeline_of(load(tmp_path, {})) is None


@pytest.mark.parametrize(("change", "line", "message"), [
    (("environments: [dev, prod]", "environments: [dev, staging]"), 10, "no environment named staging"),
    (("environments: [dev, prod]", "environments: [dev, dev, prod]"), 10, "dev listed twice"),
    (("manual_approval: [prod]", "manual_approval: [qa]"), 11, "qa is not deployed by the pipeline"),
    (("account: \"333333333333\"", "account: \"3333\""), 5, "account id '3333' is not 12 digits"),
    (("region: eu-west-1", "region: eu-west-9"), 6, "'eu-west-9' is not an AWS region"),
    (("repository: acme/model-configs", "repository: model-configs"), 9, "'model-configs' is not owner/name"),
    ((CONNECTION, "arn:aws:iam::333333333333:role/x"), 8, "is not a CodeConnections connection ARN"),
    (("  repository: acme/model-configs\n", "  repository: acme/model-configs\n  colour: blue\n"), 10, "colour"),
])
def test_errors_point_at_the_line_that_causes_them(
    tmp_path: Path, change: tuple[str, str], line: int, message: str
) -> None:
    text = REPOSITORY_PIPELINE.replace(*change)
    assert text != REPOSITORY_PIPELINE
    found = problems(tmp_path, text)
    assert any(name == "project.yaml" and at == line and message in text_ for name, at, text_ in found), found


def test_a_source_of_neither_kind_says_what_it_needs(tmp_path: Path) -> None:
    text = REPOSITORY_PIPELINE.replace(
        f"  connection_arn: {CONNECTION}\n  repository: acme/model-configs", "  branch: main")
    [(_, line, message)] = problems(tmp_path, text)
    assert line == 8  # the source mapping
    assert "connection_arn + repository" in message and "bucket + key" in message


def test_an_environment_overlay_cannot_change_the_pipeline(tmp_path: Path) -> None:
    overlay = PROD + "    project:\n      pipeline:\n        manual_approval: []\n"
    loaded = load(tmp_path, {"project.yaml": project(REPOSITORY_PIPELINE), "environments/prod.yaml": overlay,
                             "environments/qa.yaml": PROD})
    with pytest.raises(ConfigError) as exc:
        pipeline_of(loaded)
    [problem] = exc.value.problems
    assert problem.location.file.name == "prod.yaml"
    assert "set the pipeline in project.yaml only" in (problem.hint or "")
