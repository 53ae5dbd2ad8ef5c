"""Mutation testing of the rate engine: put each hand-picked bug in, run the rate tests, expect a failure.

    .venv/bin/python tools/mutation/run.py                  # property tests only, every mutant
    .venv/bin/python tools/mutation/run.py --tests all      # every test in tests/rates/
    .venv/bin/python tools/mutation/run.py --only band-minutes-truncated,round-money-half-even

Safe in a shared checkout: it NEVER writes to the repository. It exports the committed tree
(``git archive HEAD``; ``--worktree`` copies the working files instead) into a temporary folder,
mutates the copy one mutant at a time, and runs pytest there with ``PYTHONPATH`` pointing at the copy
(it checks that ``import ledger`` really finds the copy before it starts). Bounded: one fixed
hypothesis seed, the "default" profile, a per-mutant timeout, and the example database wiped before
each mutant so a kill is found afresh, not replayed. A mutant whose code names something undefined is
refused (BROKEN) rather than counted as killed. Prints one line per mutant and the kill rate; exits 1
when a mutant that is not listed as equivalent survives or is broken (or the unmutated tests fail).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutants import MUTANTS, Mutant

REPO = Path(__file__).resolve().parents[2]
# All of tests/: tests/conftest.py imports tests/db_template.py and checks that every file it marks slow exists.
NEEDED = ["ledger", "tests", "pyproject.toml"]
PROPERTY_TESTS = ["tests/rates/test_oracle.py", "tests/rates/test_invariants.py", "tests/rates/test_quick_paths.py"]
ALL_TESTS = ["tests/rates"]


def export(target: Path, worktree: bool) -> str:
    """Copy what the rate tests need into ``target``; returns a description of the source."""
    if worktree:
        for part in NEEDED:
            source = REPO / part
            if source.is_dir():
                shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                (target / part).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / part)
        return "working files"
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", "HEAD", *NEEDED],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    return f"commit {commit}"


def environment(copy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(copy)
    env["HYPOTHESIS_PROFILE"] = "default"
    env["LEDGER_MUTATION_RUN"] = "1"  # tests/rates/conftest.py: no shrinking, no deadline
    env.pop("LEDGER_RATE_CARDS", None)
    return env


def run_tests(copy: Path, tests: list[str], seed: int, timeout: float) -> tuple[str, float, str]:
    """``("passed"|"failed"|"timeout", seconds, last output line)`` for one run of the tests in ``copy``."""
    shutil.rmtree(copy / ".hypothesis", ignore_errors=True)
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
               f"--hypothesis-seed={seed}", "-W", "ignore", *tests]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=copy, env=environment(copy), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - started, ""
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    first_failure = next((line for line in lines if line.startswith("FAILED")), lines[-1] if lines else "")
    return ("passed" if done.returncode == 0 else "failed"), time.monotonic() - started, first_failure


def check_the_copy_is_imported(copy: Path) -> None:
    found = subprocess.run([sys.executable, "-c", "import ledger; print(ledger.__file__)"], cwd=copy,
                           env=environment(copy), capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(copy.resolve()):
        raise SystemExit(f"refusing to run: 'import ledger' finds {found}, not the copy in {copy}")


def apply(copy: Path, mutant: Mutant) -> str | None:
    """Mutate the copy; returns the original text, or None when the code no longer has a snippet."""
    path = copy / mutant.file
    original = path.read_text(encoding="utf-8")
    mutated = original
    for old, new in mutant.edits:
        if mutated.count(old) != 1:
            return None
        mutated = mutated.replace(old, new)
    path.write_text(mutated, encoding="utf-8")
    return original


def undefined_names(copy: Path, mutant: Mutant) -> str:
    """What ruff says about undefined names in the mutated file ("" when there are none).

    A mutant that only raises NameError is killed by any test that reaches it: it would count as a kill
    without showing that a test can tell the bug from the code.
    """
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "F821",
                           "--output-format", "concise", str(copy / mutant.file)],
                          capture_output=True, text=True)
    return "" if done.returncode == 0 else (done.stdout.strip().splitlines() or ["ruff failed"])[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", choices=("property", "all"), default="property",
                        help="property: tests/rates/test_oracle.py, test_invariants.py and test_quick_paths.py; "
                             "all: tests/rates/")
    parser.add_argument("--only", default="", help="comma-separated mutant names")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (default 0: repeatable)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per mutant (default 600)")
    parser.add_argument("--worktree", action="store_true", help="copy the working files, not HEAD")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy (its path is printed)")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not args.only or m.name in args.only.split(",")]
    unknown = set(filter(None, args.only.split(","))) - {m.name for m in MUTANTS}
    if unknown:
        parser.error(f"unknown mutants: {', '.join(sorted(unknown))}")
    tests = PROPERTY_TESTS if args.tests == "property" else ALL_TESTS
    copy = Path(tempfile.mkdtemp(prefix="ledger-mutation-"))
    try:
        source = export(copy, args.worktree)
        check_the_copy_is_imported(copy)
        print(f"mutation run: {len(chosen)} mutants, {source}, tests {' '.join(tests)}, seed {args.seed}, "
              f"copy {copy}", flush=True)
        status, seconds, detail = run_tests(copy, tests, args.seed, args.timeout)
        print(f"  baseline (no mutant): {status} in {seconds:.0f}s", flush=True)
        if status != "passed":
            print(f"  {detail}\nthe unmutated tests must pass first", flush=True)
            return 1
        killed, survived, skipped, unexpected = 0, [], [], []
        for mutant in chosen:
            original = apply(copy, mutant)
            if original is None:
                skipped.append(mutant.name)
                print(f"  SKIPPED  {mutant.name}: the code no longer has this snippet", flush=True)
                continue
            broken = undefined_names(copy, mutant)
            if broken:
                (copy / mutant.file).write_text(original, encoding="utf-8")
                skipped.append(mutant.name)
                unexpected.append(mutant.name)
                print(f"  BROKEN   {mutant.name}: the mutated code names something undefined ({broken})", flush=True)
                continue
            try:
                status, seconds, detail = run_tests(copy, tests, args.seed, args.timeout)
            finally:
                (copy / mutant.file).write_text(original, encoding="utf-8")
            if status in {"failed", "timeout"}:
                killed += 1
                print(f"  killed   {mutant.name} ({seconds:.0f}s{', timeout' if status == 'timeout' else ''}) "
                      f"{detail.removeprefix('FAILED ')[:110]}", flush=True)
            else:
                survived.append(mutant)
                mark = "survived (equivalent)" if mutant.equivalent else "SURVIVED"
                print(f"  {mark} {mutant.name} ({seconds:.0f}s){': ' + mutant.equivalent if mutant.equivalent else ''}",
                      flush=True)
                if not mutant.equivalent:
                    unexpected.append(mutant.name)
        tried = killed + len(survived)
        equivalent = sum(1 for m in survived if m.equivalent)
        print(f"killed {killed} of {tried} ({100 * killed / max(tried, 1):.1f}%); "
              f"{killed} of {tried - equivalent} non-equivalent ({100 * killed / max(tried - equivalent, 1):.1f}%); "
              f"survivors: {', '.join(m.name for m in survived) or 'none'}"
              + (f"; skipped: {', '.join(skipped)}" if skipped else ""), flush=True)
        return 1 if unexpected else 0
    finally:
        if args.keep:
            print(f"copy kept at {copy}")
        else:
            shutil.rmtree(copy, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
