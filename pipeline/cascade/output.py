"""What the cascade sums per signal and layer, and the output Dataset with its attributes."""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .. import PAPER_REFERENCE, __version__
from ..filters import FilterBank

_DESCRIPTIONS = {
    "propagated_energy": (
        "energy of the propagated signals W_n",
        "W_n = sum over live paths q of length n of ||U[q] f||^2, U[q] f = |...|f * g_1| * ... "
        "* g_n|; W_0 = ||f||^2. True W_n lies in [W_n, W_n + pruned_slack_n] (docs/theory.md §2).",
    ),
    "feature_energy": (
        "energy of the feature maps F_n",
        "F_n = sum over live paths q of length n of ||U[q] f * chi_(n+1)||^2, for layers "
        "n = 0..depth-1 (NaN at n = depth: not computed). True F_n lies in [F_n, F_n + "
        "pruned_slack_n]. Parseval banks: ||f||^2 = sum_{n<N} F_n + W_N + pruned_slack_N.",
    ),
    "pruned_slack": (
        "energy pruned at layers <= n",
        "sum of the energies of the paths pruned at layers 1..n; an upper bound on what the "
        "pruned subtrees carry in layer n (and in every deeper layer).",
    ),
    "slack_bound": (
        "modulus bound on what the pruned subtrees carry in layer n",
        "slack = modulus: sum over the paths dropped at layer n of their energy e, plus over the "
        "paths dropped at layers k < n of their tails T <= e (what a dropped child's modulus "
        "can pass beyond the low-pass of its next module, docs/theory.md §17). True W_n lies in "
        "[W_n, W_n + slack_bound_n], true F_n in [F_n, F_n + slack_bound_n]; slack_bound_n <= "
        "pruned_slack_n. In a store, equal to pruned_slack for banks with slack = energy.",
    ),
    "dropped_energy": (
        "energy of the paths dropped at layer n",
        "slack = modulus: sum of the energies of the children dropped at layer n itself "
        "(pruned or barred by the path rule), known exactly from their parents' spectra: they "
        "belong to the true W_n, so W_n + dropped_energy_n <= true W_n <= W_n + slack_bound_n "
        "(docs/theory.md §17). In a store, 0 for banks with slack = energy.",
    ),
    "rule_slack": (
        "energy dropped by the path rule at layers <= n",
        "sum of the energies of the children that the path rule does not follow (path_rule = "
        "frequency_decreasing: a child whose scale index is not coarser than its parent's), "
        "layers 1..n; the part of pruned_slack due to the rule (0 for path_rule = all); "
        "docs/theory.md §15.",
    ),
    "sampling_error": (
        "measured estimate of the critical-sampling error at layers <= n",
        "sampling = critical: sum over the paths of layers 1..n of the energy of their coarse "
        "spectra above 1/4 of the coarse band, k > M/8 (an estimate, not a bound, of the error of "
        "W_n and F_n against sampling = exact; docs/theory.md §16); 0 for sampling = exact.",
    ),
    "paths": (
        "number of live paths",
        "number of paths of length n kept after pruning, mirror images counted (an exact count "
        "of the paths whose energy enters W_n; paths of zero energy are dropped).",
    ),
    "input_energy": ("input energy ||f||^2", "squared l2 norm of the input signal, sum |f[t]|^2."),
}


_ATTRS: dict[str, dict[str, str]] = {
    name: {
        "long_name": long_name,
        "description": description,
        "units": "count" if name == "paths" else "sum of squared samples",
    }
    for name, (long_name, description) in _DESCRIPTIONS.items()
}
#: Variables about the cascade's modes (path rule, critical sampling): in every output of
#: ``propagate``, in a store only when its sweep uses the modes.
#: The variable of ``slack = "modulus"``: in the output of ``propagate`` only then; in a store
#: with the modes, where it equals ``pruned_slack`` for the banks with ``slack = "energy"``.
SLACK_BOUND = "slack_bound"
#: Its companion: the energy of the children dropped at layer n (0 in a store for energy banks).
DROPPED_ENERGY = "dropped_energy"
MODE_VARIABLE_NAMES = ("rule_slack", "sampling_error", SLACK_BOUND, DROPPED_ENERGY)
#: Attributes of every output variable but the mode ones: long_name, description (with its
#: formula), units.
VARIABLE_ATTRS: dict[str, dict[str, str]] = {
    name: attrs for name, attrs in _ATTRS.items() if name not in MODE_VARIABLE_NAMES
}
#: The same for :data:`MODE_VARIABLE_NAMES`.
MODE_VARIABLE_ATTRS: dict[str, dict[str, str]] = {
    name: _ATTRS[name] for name in MODE_VARIABLE_NAMES
}


class Accumulator:
    """Per-signal, per-layer sums, in float64 whatever the working precision."""

    def __init__(self, batch: int, depth: int, *, bound: bool = False) -> None:
        self.batch = batch
        self.propagated = np.zeros((batch, depth + 1))
        self.feature = np.full((batch, depth + 1), np.nan)
        self.feature[:, :depth] = 0.0
        self.pruned = np.zeros((batch, depth + 1))
        self.rule = np.zeros((batch, depth + 1))
        self.sampling = np.zeros((batch, depth + 1))
        self.paths = np.zeros((batch, depth + 1), dtype=np.int64)
        self.bound = np.zeros((batch, depth + 1)) if bound else None  # slack_bound
        self.dropped = np.zeros((batch, depth + 1)) if bound else None  # dropped_energy

    def add(self, table: NDArray, layer: int, owner: NDArray[np.int64], values: NDArray) -> None:
        """``table[s, layer] += sum of values[i] over i with owner[i] == s``."""
        table[:, layer] += np.bincount(owner, weights=values, minlength=self.batch).astype(
            table.dtype
        )


def to_dataset(
    acc: Accumulator,
    input_energy: NDArray[np.float64],
    signal_coords: dict,
    banks: list[FilterBank],
    depth: int,
    energy_budget: float,
    dtype: np.dtype,
    modes: dict[str, str | float] | None = None,
) -> xr.Dataset:
    """The sums as a Dataset over ``(signal, layer)``, with :data:`VARIABLE_ATTRS` and provenance
    (``modes``: the path rule and sampling settings, recorded as attributes)."""
    dims = ("signal", "layer")
    data = {
        "propagated_energy": (dims, acc.propagated),
        "feature_energy": (dims, acc.feature),
        "pruned_slack": (dims, acc.pruned),
        "rule_slack": (dims, acc.rule),
        "sampling_error": (dims, acc.sampling),
        "paths": (dims, acc.paths),
        "input_energy": (("signal",), input_energy),
    }
    if acc.bound is not None:
        data[SLACK_BOUND] = (dims, acc.bound)
        data[DROPPED_ENERGY] = (dims, acc.dropped)
    coords = {"signal": np.arange(acc.batch), "layer": np.arange(depth + 1), **signal_coords}
    dataset = xr.Dataset(data, coords=coords)
    for name, attrs in _ATTRS.items():
        if name in dataset:
            dataset[name].attrs.update(attrs)
    dataset["layer"].attrs["long_name"] = "layer n (path length)"
    families = sorted({b.family for b in banks})
    dataset.attrs.update(
        depth=depth,
        energy_budget=energy_budget,
        dtype=str(dtype),
        bank_family=", ".join(families),
        bank_params=repr(banks[0].params) if len(families) == 1 else "per layer",
        reference=PAPER_REFERENCE,
        package_version=__version__,
        **(modes or {}),
    )
    return dataset
