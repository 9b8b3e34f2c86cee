"""``energy-sweep plan``'s strings: parameters from ``name=value``, counts and the header as text.

Parsing and printing for the command line (to move beside the CLI); the plan itself is data
(:func:`pipeline.planning.plan_layers`, :func:`pipeline.planning.summarise`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..errors import InvalidParameterError


def _parse_value(text: str) -> int | float | str:
    """``"2"`` -> 2, ``"1.5"`` -> 1.5, anything else stays a string."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def parse_params(items: Sequence[str]) -> dict[str, int | float | str]:
    """Family parameters from ``name=value`` strings; values as int, else float, else str.

    Raises
    ------
    InvalidParameterError
        for an item without ``=``, an empty name, or a name given twice.
    """
    params: dict[str, int | float | str] = {}
    for item in items:
        name, sep, value = str(item).partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidParameterError("--param", item, "must be name=value")
        if name in params:
            raise InvalidParameterError("--param", item, f"gives {name!r} twice")
        params[name] = _parse_value(value.strip())
    return params


def format_count(value: float | None, depth: int | None = None) -> str:
    """A layer count for printing: ``n/a`` for NaN/None, ``>=depth`` for inf, else an integer."""
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return f">={depth}" if depth is not None else "inf"
    return str(int(value))


def _grid(attrs: dict) -> str:
    """``N = 1024`` of a 1-D plan, ``64 x 64`` of a 2-D one."""
    shape = attrs.get("grid_shape", [attrs["length"]])
    return f"N = {shape[0]}" if len(shape) == 1 else " x ".join(str(n) for n in shape)


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def plan_header(plan: xr.Dataset) -> list[str]:
    """Lines that state a plan's bank facts, hypotheses, data source and caveats, for printing."""
    attrs = plan.attrs
    params = ", ".join(f"{name}={value:.6g}" if isinstance(value, float) else f"{name}={value}"
                       for name, value in attrs["params"].items())  # fmt: skip
    if math.isfinite(attrs["decay_base"]):
        derived = f"derived a = (rho+1)/(rho-1) = {attrs['decay_base']:.6g}"
    else:
        derived = f"derived a: n/a ({attrs['decay_base_note']})"
    deviation = max(abs(attrs["frame_lower"] - 1), abs(attrs["frame_upper"] - 1))
    lines = [
        f"bank {attrs['family']} ({params or 'defaults'}) on {_grid(attrs)}: "
        f"delta = {attrs['delta']:.6g} cycles/sample, rho = {attrs['band_ratio']:.6g}, {derived}",
        f"hypotheses (docs/theory.md §3): Parseval {_yes(attrs['meets_parseval'])} (max |LP "
        f"sum - 1| = {deviation:.1e}), analytic {_yes(attrs['meets_analyticity'])} (max "
        f"defect {attrs['analyticity_defect']:.3g}), high-pass delta > 0 "
        f"{_yes(attrs['meets_high_pass'])}",
    ]
    d = int(attrs.get("d", 1))
    if attrs["worst_case_applies"]:
        lines.append(
            f"worst case (docs/theory.md §8, l = {attrs['l']:g}, d = {d}): sufficient N for inputs "
            "band-limited to L; actual networks need far fewer layers"
        )
    if d > 1:
        lines.append(
            f"d = {d}: Theorem A with alpha(d) = log2(sqrt(d)/(sqrt(d) - 1/2)) = "
            f"{attrs['alpha']:.4f} and l >= (d+1)/2; Theorem B is stated for d = 1 only "
            "(docs/theory.md §6, §14): no exponential worst case"
        )
    if not attrs["worst_case_applies"]:
        lines.append(
            f"the bank fails: {', '.join(attrs['hypotheses_failed'])} -> the worst-case counts "
            "of docs/theory.md §8 do not apply (shown as n/a)"
        )
    if "worst_case_recalled" in plan:
        recalled = plan["worst_case_recalled"].attrs
        lines.append(
            f"recalled [R, unverified]: a = {recalled['decay_base']:.6g}, the paper's constant "
            f"for {recalled['filter_class']}, not derived from this bank: extra column only"
        )
    if "store" in attrs:
        widths = np.asarray(plan["bandwidth"].values, dtype=float)
        computed = np.asarray(plan["computed"].values, dtype=bool)
        lines.append(
            f"data: {attrs['store']}, {widths.size} signals; L per signal = essential bandwidth "
            f"(tolerance 1e-12) in [{widths.min():.6g}, {widths.max():.6g}] cycles/sample"
        )
        if attrs["source"] == "computed":
            lines.append(
                f"empirical: computed (bank not in the store): propagate, depth {attrs['depth']}, "
                f"energy budget {attrs['energy_budget']:g}, {attrs['dtype']}"
            )
        else:
            lines.append(
                f"empirical: read from the store ({attrs['source']}), depth {attrs['depth']}, "
                f"energy budget {attrs['energy_budget']:g}"
            )
        if attrs["energy_budget"] > 0:
            lines.append(
                "pruned cascade (energy budget > 0): the empirical N is an upper bound on the "
                "true count"
            )
        if not computed.all():
            lines.append(
                f"{int((~computed).sum())} of {computed.size} signals not computed in the store "
                "for this bank (units missing, energies NaN): left out of the empirical columns"
            )
    return lines
