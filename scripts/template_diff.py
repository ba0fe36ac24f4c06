#!/usr/bin/env python3
"""Compare the templates of two cloud assemblies, ignoring Lambda/asset content hashes.

Refactors promise byte-identical templates except asset hashes; this says which resources
differ and how. Usage:

    python scripts/template_diff.py snapshot DIR      # synthesize every environment into DIR
    python scripts/template_diff.py compare OLD NEW   # exit 1 when templates differ

Logical IDs of stateful resources (keys, buckets, tables, clusters, collections, vector
indexes) are listed separately: a changed one means CloudFormation replaces the data.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HASH_RE = re.compile(r"\b[0-9a-f]{64}\b")
STATEFUL = {
    "AWS::KMS::Key", "AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::RDS::DBCluster",
    "AWS::OpenSearchServerless::Collection", "AWS::S3Vectors::VectorBucket", "AWS::S3Vectors::Index",
    "AWS::SecretsManager::Secret", "AWS::SQS::Queue",
}


def snapshot(out: Path) -> int:
    env = {**os.environ, "CDK_OUTDIR": str(out)}
    return subprocess.run([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env).returncode


def _normalize(value: Any) -> Any:
    if isinstance(value, str):
        return HASH_RE.sub("<hash>", value)
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, dict):
        return {HASH_RE.sub("<hash>", k): _normalize(v) for k, v in value.items()}
    return value


def _templates(folder: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(folder.glob("assembly-*/*.template.json")):
        found[f"{path.parent.name}/{path.name}"] = _normalize(json.loads(path.read_text()))
    return found


def compare(old_dir: Path, new_dir: Path) -> int:
    old, new = _templates(old_dir), _templates(new_dir)
    status = 0
    for name in sorted(set(old) | set(new)):
        if name not in new or name not in old:
            print(f"{'only in old' if name in old else 'only in new'}: {name}")
            status = 1
            continue
        if old[name] == new[name]:
            continue
        status = 1
        old_res, new_res = old[name].get("Resources", {}), new[name].get("Resources", {})
        for logical in sorted(set(old_res) | set(new_res)):
            before, after = old_res.get(logical), new_res.get(logical)
            if before == after:
                continue
            kind = (before or after or {}).get("Type", "?")
            tag = " [STATEFUL]" if kind in STATEFUL and (before is None or after is None) else ""
            if before is None or after is None:
                print(f"{name}: {logical} ({kind}) {'removed' if after is None else 'added'}{tag}")
                continue
            print(f"{name}: {logical} ({kind}) changed")
            diff = difflib.unified_diff(json.dumps(before, indent=1, sort_keys=True).splitlines(),
                                        json.dumps(after, indent=1, sort_keys=True).splitlines(), lineterm="", n=1)
            for line in list(diff)[2:40]:
                print(f"    {line}")
        for section in ("Outputs", "Parameters", "Conditions", "Mappings", "Rules"):
            if old[name].get(section) != new[name].get(section):
                print(f"{name}: {section} differ")
    print("templates identical (asset hashes ignored)" if status == 0 else "templates differ", file=sys.stderr)
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("out", type=Path)
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("old", type=Path)
    cmp_.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "snapshot":
        return snapshot(args.out.resolve())
    return compare(args.old, args.new)


if __name__ == "__main__":
    raise SystemExit(main())
