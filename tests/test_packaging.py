"""Every data file the package reads at run time is declared as package data, so a wheel carries it.

An editable install (the README's) reads files straight from the source tree, so a missing
``package-data`` entry shows up only for people installing a built wheel: this catches it here.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ledger"


def _declared() -> dict[str, list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]


def _covered(path: Path, declared: dict[str, list[str]]) -> bool:
    for package, patterns in declared.items():
        base = ROOT.joinpath(*package.split("."))
        if base not in path.parents:
            continue
        relative = path.relative_to(base).as_posix()
        if any(fnmatch.fnmatch(relative, pattern) for pattern in patterns):
            return True
    return False


def test_every_data_file_in_the_package_is_declared() -> None:
    declared = _declared()
    data_files = [
        path for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts
    ]
    assert data_files, "the package ships data files (rate cards, limits, fonts)"
    missing = [str(path.relative_to(ROOT)) for path in data_files if not _covered(path, declared)]
    assert missing == [], f"add these to [tool.setuptools.package-data] in pyproject.toml: {missing}"
