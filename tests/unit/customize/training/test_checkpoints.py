"""The checkpoint a spot job resumes from: the newest complete one."""

from __future__ import annotations

from pathlib import Path

from fmkit.customize.training.checkpoints import COMPLETE_MARKER, complete_checkpoints, latest_checkpoint


def make(directory: Path, name: str, *, complete: bool) -> Path:
    path = directory / name
    path.mkdir(parents=True)
    (path / "adapter_model.safetensors").write_bytes(b"w")
    if complete:
        (path / COMPLETE_MARKER).write_text("{}")
    return path


def test_latest_complete_checkpoint_by_step_number(tmp_path: Path) -> None:
    make(tmp_path, "checkpoint-50", complete=True)
    newest = make(tmp_path, "checkpoint-100", complete=True)  # 100 > 50 although "100" < "50" as text
    make(tmp_path, "checkpoint-150", complete=False)  # cut mid-write by the spot interruption
    make(tmp_path, "checkpoint-final", complete=True)
    (tmp_path / "checkpoint-200").write_text("a file, not a checkpoint")
    assert latest_checkpoint(tmp_path) == newest
    assert [step for step, _ in complete_checkpoints(tmp_path)] == [50, 100]


def test_nothing_to_resume(tmp_path: Path) -> None:
    assert latest_checkpoint(tmp_path / "missing") is None
    assert latest_checkpoint(tmp_path) is None
