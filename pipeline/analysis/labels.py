"""Readable labels of a store's banks, from its ``family`` and ``bank_<name>`` coordinates."""

from __future__ import annotations

import xarray as xr

from ..theory import alpha

#: Bank coordinates of each bank's own depth and budget, and their names in labels.
OWN_SETTINGS = {"depth_per_bank": "depth", "energy_budget_per_bank": "budget"}


def bank_labels(dataset: xr.Dataset) -> list[str]:
    """One readable label per bank: its family and the parameters it has, e.g. ``meyer dilation=2``.

    Read from the store's ``family`` and ``bank_<name>`` coordinates (``bank_hash`` left out);
    parameters a family lacks (NaN or "") are skipped. Only the parameters that vary within a
    family are shown, so single banks stay short; so are a bank's own ``depth`` and ``budget``
    (coordinates ``depth_per_bank``, ``energy_budget_per_bank``) where they vary.
    """
    families = [str(value) for value in dataset["family"].values]
    names = [
        name
        for name in dataset.coords
        if str(name).startswith("bank_") and name != "bank_hash" and dataset[name].dims == ("bank",)
    ]
    own = [name for name in OWN_SETTINGS if name in dataset.coords]
    values = {name: dataset[name].values for name in [*names, *own]}
    labels = []
    for index, family in enumerate(families):
        same = [i for i, other in enumerate(families) if other == family]
        parts = [family]
        for name in names:
            column = values[name]
            value = column[index]
            if _missing(value) or len({_key(column[i]) for i in same}) < 2:
                continue
            parts.append(f"{str(name)[5:]}={_format(value)}")
        for name in own:  # a bank's own depth or budget, where they differ within the family
            column = values[name]
            if len({_key(column[i]) for i in same}) > 1:
                parts.append(f"{OWN_SETTINGS[name]}={_format(column[index].item())}")
        labels.append(" ".join(parts))
    return labels


def _missing(value: object) -> bool:
    return value == "" or (isinstance(value, float) and value != value)


def _key(value: object) -> str:
    return "nan" if _missing(value) else repr(value)


def _format(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


#: Why (B) applies to every bank that meets the hypotheses on a finite grid (docs/theory.md §13).
FINITE_GRID_NOTE = (
    "on a finite grid every analytic high-pass Parseval bank has band ratio rho <= 1/(2 delta), "
    "so bound (B) with the derived a = (rho+1)/(rho-1) > 1 applies to it as well as (A); "
    "polynomial and exponential guarantees differ only in how they scale with N "
    "(docs/theory.md §6, §13)"
)


def theorem_statement(failed: list[str], decay_base: float, d: int = 1) -> str:
    r"""Which of the paper's bounds a bank is guaranteed, in a few words.

    A bank that meets every hypothesis of docs/theory.md §3 gets (A) and (B) with its derived
    :math:`a = (\rho+1)/(\rho-1)` (on a finite grid :math:`\rho \le 1/(2\delta)`, so :math:`a > 1`
    for every such bank: :data:`FINITE_GRID_NOTE`); a bank that fails one gets neither. On a
    grid of ``d`` > 1 dimensions only (A) applies, with :math:`\alpha(d)` (docs/theory.md §4):
    (B) is stated for d = 1 (§6, §14).
    """
    if failed:
        return f"fails {', '.join(failed)}: no bound guaranteed"
    if d > 1:
        return f"(A) with alpha({d}) = {alpha(d):.4f}; (B) is d = 1 only"
    if decay_base == decay_base and decay_base > 1:
        return f"(A) and (B), a = {decay_base:.3g}"
    return "(A); (B) not derived (rho undefined)"
