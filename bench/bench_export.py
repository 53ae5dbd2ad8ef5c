"""Benchmark the finance exports: seconds and peak memory per format, at 1,000 / 10,000 / 100,000 payees.

Run: ``python bench/bench_export.py`` (add ``--sizes 1000,10000`` to choose sizes).

Each export is written to /dev/null from a generated batch whose lines are produced one at a time, as
the batch service streams them from the database. The floor, measured in the same run, is a plain
``csv.writer`` writing the same number of ready-made tuples: the least work any CSV export must do.
Peak memory is measured with ``tracemalloc`` and covers the exporter and the line generator; if it
stays flat as the batch grows tenfold, the export streams.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ledger.exports.finance import EXPORTERS
from ledger.exports.finance.sample import bank_pool, sample_batch, sample_lines
from ledger.reports.batch_data import BatchExport


def measure(make_work: Callable[[], Callable[[], None]]) -> tuple[float, int]:
    """Seconds of one untraced run, then peak traced bytes of a second run (tracing slows code down,
    so time and memory are measured separately)."""
    work = make_work()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    work = make_work()
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak


def floor(count: int) -> Callable[[], None]:
    """Plain csv.writer over the same number of simple tuples (generated lazily, like the lines)."""

    def run() -> None:
        with open(os.devnull, "w", newline="") as out:
            writer = csv.writer(out)
            for line in sample_lines(count):
                writer.writerow((line.participant_reference, line.payee_name, str(line.amount),
                                 line.sort_code, line.account_number, line.payment_reference))

    return run


def export(name: str, batch: BatchExport) -> Callable[[], None]:
    def run() -> None:
        with open(os.devnull, "wb") as out:
            EXPORTERS[name].write(batch, out)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    bank_pool()  # warm the import and the tables outside the timings
    print(f"Python {sys.version.split()[0]}; times in seconds, peak memory in KiB (tracemalloc)")
    print(f"{'payees':>8}  {'format':<10} {'seconds':>8} {'x floor':>8} {'peak KiB':>9} {'lines/s':>9}")
    for count in sizes:
        base = sample_batch(count)  # computes the control total in one extra pass, keeps nothing
        floor_seconds, floor_peak = measure(partial(floor, count))
        print(f"{count:>8}  {'floor':<10} {floor_seconds:>8.3f} {1.0:>8.2f} {floor_peak / 1024:>9.0f} "
              f"{count / floor_seconds:>9.0f}")
        for name in EXPORTERS:
            if name == "xero" and count > 500:
                continue  # Xero takes 500 bills a file; xero-zip covers the bigger batches

            def make(name: str = name, base: BatchExport = base, count: int = count) -> Callable[[], None]:
                return export(name, replace(base, lines=sample_lines(count), total=Decimal(base.total)))

            seconds, peak = measure(make)
            print(f"{count:>8}  {name:<10} {seconds:>8.3f} {seconds / floor_seconds:>8.2f} "
                  f"{peak / 1024:>9.0f} {count / seconds:>9.0f}")


if __name__ == "__main__":
    main()
