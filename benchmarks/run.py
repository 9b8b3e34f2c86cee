"""The benchmark harness of issue 11: our cascade and sweep beside their peers, in one process.

Prints the machine (CPU, cores, library versions, load average at start and end), then one
markdown table per group of rows, each row printed as soon as it is measured: both sides'
best-of-k wall times, their ratio, the issue's target beside it (met / MISSED) and what each
side computes. Groups (``--only``):

- ``kymatio-1d``: Kymatio 0.3 ``Scattering1D`` against our cascade on its filters
  (:mod:`harness.kymatio_1d`);
- ``fft-rate``: our cascade's FFT throughput against raw batched ``scipy.fft``
  (:mod:`harness.fft_rate`);
- ``deep``: depth 16 at budget 1e-8, time and peak memory (:mod:`harness.deep`);
- ``sweep``: the sweep flow (Prefect + Dask) against a plain loop, 1 -> 2 workers
  (:mod:`harness.sweep_rows`);
- ``2d``: the directional bank and 2-D cascade against Kymatio ``Scattering2D``
  (:mod:`harness.images_2d`);
- ``gpu``: Kymatio (torch) against our cascade on torch tensors on a CUDA device, or one row
  "no GPU: not measured" (:mod:`harness.gpu`).

Run: ``python benchmarks/run.py [--quick] [--only GROUP[,GROUP]] [--case N,J,Q,BATCH]
[--repeats K] [--out benchmarks/results.json]``. ``--quick`` runs tiny sizes (a check that every
row runs, not a measurement). Kymatio is optional (``pip install -e '.[bench]'``): without it
its rows say "kymatio not installed".
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import deep, fft_rate, gpu, images_2d, kymatio_1d, sweep_rows
from harness.common import Row, load_average, machine


@dataclass(frozen=True)
class Sizes:
    """The sizes of one run: the issue's (full) or tiny ones (``--quick``)."""

    kymatio: list[kymatio_1d.Case]
    fft: list[tuple[int, int]]  # (N, batch)
    deep: tuple[int, int, int, float]  # (N, batch, depth, budget)
    sweep: tuple[int, int, int, int]  # (length, signals, chunk, depth)
    images: tuple[int, int, int, int]  # (size, J, L, batch)
    gpu: list[kymatio_1d.Case]
    repeats: int


FULL = Sizes(
    kymatio=kymatio_1d.cases([2**13, 2**16], [6, 8], [1, 8], [16, 128]),
    fft=[(n, b) for n in (2**13, 2**16) for b in (16, 128)],
    deep=(2**14, 8, 16, 1e-8),
    sweep=(1024, 64, 8, 6),
    images=(256, 3, 8, 4),
    gpu=[kymatio_1d.Case(2**16, 6, 8, 64), kymatio_1d.Case(2**13, 6, 8, 16)],
    repeats=3,
)
QUICK = Sizes(
    kymatio=kymatio_1d.cases([2**10], [5], [8], [4]),
    fft=[(2**10, 4)],
    deep=(2**10, 2, 6, 1e-8),
    sweep=(256, 16, 8, 4),
    images=(64, 2, 4, 2),
    gpu=[kymatio_1d.Case(2**10, 5, 8, 4)],
    repeats=1,
)

#: Each group yields its rows as they are measured (Kymatio's case by case), and each row is
#: printed at once: a long case that is stopped leaves the cases before it on screen.
GROUPS: dict[str, Callable[[Sizes], Iterable[Row]]] = {
    "kymatio-1d": lambda s: (r for c in s.kymatio for r in kymatio_1d.rows_for(c, s.repeats)),
    "fft-rate": lambda s: [fft_rate.row(n, b, s.repeats) for n, b in s.fft],
    "deep": lambda s: deep.rows(*s.deep, repeats=s.repeats),
    "sweep": lambda s: sweep_rows.rows(*s.sweep),
    "2d": lambda s: images_2d.rows(*s.images, repeats=s.repeats),
    "gpu": lambda s: gpu.rows(s.gpu, s.repeats),
}


def _number(value: float | None, unit: str = "") -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    text = f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return f"{text} {unit}".strip()


def table_header(group: str) -> str:
    """The heading and column names of a group's markdown table."""
    return "\n".join(
        [
            f"### {group}",
            "",
            "| case | ours | peer | ratio | target | verdict | what was measured |",
            "|---|---|---|---|---|---|---|",
        ]
    )


def table_line(row: Row) -> str:
    """One row of a group's markdown table."""
    ratio = f"{_number(row.ratio)} ({row.ratio_label})" if row.ratio_label else "n/a"
    return (
        f"| {row.case} | {_number(row.ours, row.unit)} | {_number(row.peer, row.unit)} | "
        f"{ratio} | {row.target.text() if row.target else ''} | {row.verdict} | {row.note} |"
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check that rows run")
    parser.add_argument("--only", default="", help=f"comma-separated groups of {list(GROUPS)}")
    parser.add_argument(
        "--case",
        action="append",
        default=[],
        metavar="N,J,Q,BATCH",
        help="kymatio-1d cases to run instead of the grid (repeatable)",
    )
    parser.add_argument("--repeats", type=int, default=None, help="best of K (default 3; quick 1)")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args(argv)
    unknown = sorted(set(filter(None, args.only.split(","))) - set(GROUPS))
    if unknown:
        parser.error(f"--only: unknown group(s) {unknown}; choose from {list(GROUPS)}")
    return args


def _sizes(args: argparse.Namespace) -> Sizes:
    sizes = QUICK if args.quick else FULL
    changes = {}
    if args.case:
        try:
            changes["kymatio"] = [kymatio_1d.Case(*map(int, c.split(","))) for c in args.case]
        except (TypeError, ValueError):
            sys.exit(f"--case: expected N,J,Q,BATCH (four integers), got {args.case}")
    if args.repeats is not None:
        changes["repeats"] = args.repeats
    return Sizes(**{**sizes.__dict__, **changes})


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    sizes = _sizes(args)
    groups = [g for g in GROUPS if not args.only or g in args.only.split(",")]
    about = machine()
    load_start = load_average()
    started = time.time()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started))
    print(f"# benchmarks/run.py{' --quick' if args.quick else ''}: {when}")
    print()
    print("Machine: " + ", ".join(f"{k} {v}" for k, v in about.items()))
    print(f"Load average at start: {' '.join(f'{x:.2f}' for x in load_start)}")
    print(f"Best of {sizes.repeats}; ratios > 1 favour us except where the label says otherwise.")
    results: dict[str, list[Row]] = {}
    failed = []
    for group in groups:
        print()
        print(table_header(group), flush=True)
        results[group] = []
        try:
            for row in GROUPS[group](sizes):
                results[group].append(row)
                print(table_line(row), flush=True)
        except Exception as error:  # one group failing does not hide the others' numbers
            failed.append(group)
            why = f"failed: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            row = Row(group, "(rest of the group)", None, None, None, "", note=why)
            results[group].append(row)
            print(table_line(row), flush=True)
    load_end = load_average()
    print()
    print(
        f"Load average at end: {' '.join(f'{x:.2f}' for x in load_end)}; "
        f"{time.time() - started:.0f} s in all"
    )
    if args.out is not None:
        payload = {
            "machine": about,
            "load_average_start": load_start,
            "load_average_end": load_end,
            "quick": args.quick,
            "repeats": sizes.repeats,
            "rows": [row.as_dict() for rows in results.values() for row in rows],
        }
        args.out.write_text(json.dumps(payload, indent=1, default=str) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
