"""The script's command line: SageMaker's variables as defaults, hyperparameters as the toolkit passes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmkit.customize.training.arguments import parse_args
from fmkit.customize.training.settings import DEFAULT_TARGET_MODULES

SAGEMAKER_ENV = {
    "SM_CHANNEL_TRAIN": "/opt/ml/input/data/train",
    "SM_CHANNEL_VALIDATION": "/opt/ml/input/data/validation",
    "SM_CHANNEL_MODEL": "/opt/ml/input/data/model",
    "SM_MODEL_DIR": "/opt/ml/model",
    "SM_OUTPUT_DATA_DIR": "/opt/ml/output/data",
}


def test_paths_come_from_the_sagemaker_environment() -> None:
    settings = parse_args([], SAGEMAKER_ENV)
    assert settings.base_model == "/opt/ml/input/data/model"
    assert settings.train_dir == Path("/opt/ml/input/data/train")
    assert settings.validation_dir == Path("/opt/ml/input/data/validation")
    assert settings.checkpoint_dir == Path("/opt/ml/checkpoints")  # the CheckpointConfig default LocalPath
    assert settings.adapter_dir == Path("/opt/ml/model/adapter")
    assert settings.merged_dir == Path("/opt/ml/model/merged")
    assert settings.target_modules == DEFAULT_TARGET_MODULES and settings.merge


def test_hyperparameters_as_the_training_toolkit_passes_them() -> None:
    # The toolkit JSON-decodes each hyperparameter and passes str(value): true arrives as "True".
    argv = ["--method", "lora", "--lora_r", "8", "--epochs", "2.5", "--merge", "False",
            "--target_modules", "q_proj, v_proj", "--base_model", "HuggingFaceTB/SmolLM2-135M-Instruct",
            "--checkpoint_dir", "/tmp/ckpt"]
    settings = parse_args(argv, {**SAGEMAKER_ENV, "SM_CHECKPOINT_DIR": "/elsewhere"})
    assert (settings.lora_r, settings.epochs, settings.merge) == (8, 2.5, False)
    assert settings.target_modules == ("q_proj", "v_proj")
    assert settings.base_model == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert settings.checkpoint_dir == Path("/tmp/ckpt")


def test_checkpoint_dir_from_the_environment_when_given() -> None:
    assert parse_args([], {**SAGEMAKER_ENV, "SM_CHECKPOINT_DIR": "/data/ckpt"}).checkpoint_dir == Path("/data/ckpt")


@pytest.mark.parametrize(("argv", "env", "message"), [
    ([], {}, "missing --base_model or SM_CHANNEL_MODEL, --train_dir or SM_CHANNEL_TRAIN"),
    (["--merge", "maybe"], SAGEMAKER_ENV, "expected true or false"),
    (["--method", "full"], SAGEMAKER_ENV, "invalid choice: 'full'"),
    (["--max_steps", "0"], SAGEMAKER_ENV, "max_steps 0 would train nothing"),
    (["--lora_dropout", "1.5"], SAGEMAKER_ENV, "lora_dropout must be in [0, 1)"),
    (["--target_modules", " , "], SAGEMAKER_ENV, "name at least one module"),
])
def test_unusable_arguments_exit_2_with_the_reason(argv: list[str], env: dict[str, str], message: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv, env)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
