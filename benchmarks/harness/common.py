"""Rows, timers, targets and the machine description shared by the harness's row groups."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Target:
    """A target of issue 11 on a ratio: ``ratio >= value`` (``at_least``) or ``ratio <= value``."""

    value: float
    at_least: bool = True

    def met(self, ratio: float) -> bool:
        return ratio >= self.value if self.at_least else ratio <= self.value

    def text(self) -> str:
        return f"{'≥' if self.at_least else '≤'} {self.value:g}"


@dataclass
class Row:
    """One measured comparison: ``ours`` and ``peer`` in ``unit``, ``ratio`` as defined by
    ``ratio_label``, the issue's target if any, and what each side computes (``note``).

    ``ratio`` is None where a side could not run; ``note`` then says why (e.g. "n/a (cascade lacks
    path_rule)", "kymatio not installed").
    """

    group: str
    case: str
    ours: float | None
    peer: float | None
    ratio: float | None
    ratio_label: str
    unit: str = "s"
    target: Target | None = None
    note: str = ""
    unmet: str = ""  # a condition of the target that failed besides the ratio (e.g. accuracy)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        if self.ratio is None or not math.isfinite(self.ratio):
            return "n/a"
        if self.unmet:
            return f"MISSED ({self.unmet})"
        return "met" if self.target.met(self.ratio) else "MISSED"

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = self.target.text() if self.target else None
        data["verdict"] = self.verdict
        return data


def unavailable(group: str, case: str, why: str, ratio_label: str = "") -> Row:
    """A row that could not be measured here, saying why."""
    return Row(group, case, None, None, None, ratio_label, note=why)


def best_of(repeats: int, func: Callable[[], object]) -> float:
    """Smallest wall time [s] of ``func()`` over ``repeats`` runs."""
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def has_kymatio() -> bool:
    return importlib.util.find_spec("kymatio") is not None


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the numbers were measured on: CPU, cores, memory, library versions, load average."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        memory = float("nan")
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "scipy": _version("scipy"),
        "kymatio": _version("kymatio"),
        "dask": _version("dask"),
        "prefect": _version("prefect"),
        "energy-sweep": _version("energy-sweep"),
    }


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (NaN where the OS has none)."""
    try:
        return os.getloadavg()
    except OSError:
        return (math.nan, math.nan, math.nan)
