"""Which checkpoint a (spot) training job resumes from.

With managed spot training SageMaker copies the local checkpoint directory to S3 while the job
runs and copies it back when an interrupted job restarts. The Trainer writes
`checkpoint-<step>/` directories; one being written when the instance was reclaimed may be
incomplete, so only directories whose `trainer_state.json` exists count (the Trainer writes it
last, after the weights and optimizer state).
"""

from __future__ import annotations

import re
from pathlib import Path

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
COMPLETE_MARKER = "trainer_state.json"


def complete_checkpoints(directory: Path) -> list[tuple[int, Path]]:
    """(step, path) of every complete checkpoint, oldest first."""
    if not directory.is_dir():
        return []
    found = []
    for child in directory.iterdir():
        match = _CHECKPOINT.match(child.name)
        if match and child.is_dir() and (child / COMPLETE_MARKER).is_file():
            found.append((int(match.group(1)), child))
    return sorted(found)


def latest_checkpoint(directory: Path) -> Path | None:
    """The complete checkpoint with the highest step, or None to start from the beginning."""
    found = complete_checkpoints(directory)
    return found[-1][1] if found else None
