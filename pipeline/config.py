r"""The sweep spec: a YAML file read into a pydantic model, and its expansion into work units.

A sweep asks: for these filter banks (families × parameter grids), these signals and this depth,
what are the energies :math:`W_n` and :math:`F_n` of every layer :math:`n = 0, \dots, N`
(THEORY.md §2, DESIGN.md "The computation")? This module reads the question from YAML
(``yaml.safe_load`` only), checks every part of it before any work starts, and cuts the answer into
work units, one per (bank, chunk of signals), each of which a worker can compute alone.

A minimal spec::

    name: quickstart
    length: 1024                      # N, samples per signal; every bank is built on (N,)
    signals:
      - {kind: white_noise, count: 16, seed: 0}
      - {kind: band_limited, count: 8, seed: 100, params: {bandwidth: 0.1}}
      - {kind: ecg}                   # recorded: no seed
      - {kind: file, path: data/my_signals.npy}   # rows x N; count defaults to every row
    banks:
      - {family: meyer, params: {dilation: [1.5, 2.0]}}   # lists expand as a product
      - {family: morlet}
    depth: 8
    energy_budget: 1.0e-6
    chunk: 8
    store: results/quickstart.zarr
    cluster: {kind: local, workers: 2}

Conventions
-----------
- Signals are concatenated along one ``signal`` axis in the order of ``signals:``; row ``i`` of a
  random group is drawn with seed ``seed + i`` (:mod:`pipeline.signals`), so any range of rows can
  be generated on any worker without generating the others.
- Banks expand per entry of ``banks:`` as the Cartesian product of the listed values, parameter
  names in sorted order, the last name varying fastest. Every expanded bank is built once at
  validation (``make_bank(family, length, **params)``), which checks its parameters and its
  coverage of the grid, and resolves its defaults.
- Relative paths (``store``, ``path`` of file groups) are relative to the working directory.
- Every error is a :class:`ConfigError` with a one-line message naming the field path (as
  ``banks[1].params.dilation``), the value and what is allowed.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import numpy as np
import xarray as xr
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

import pipeline

from .errors import EnergySweepError, InvalidParameterError, _short_repr
from .filters import families, family_parameters, make_bank
from .signals import GENERATORS, NO_SEED, make_signals

__all__ = [
    "AddressCluster",
    "BankEntry",
    "BankGrid",
    "ClusterConfig",
    "ConfigError",
    "KubernetesCluster",
    "LocalCluster",
    "SignalGroup",
    "SlurmCluster",
    "SweepConfig",
    "WorkUnit",
    "config_schema",
    "load_config",
]

#: ``kind`` of a signal group read from a file (``.npy``, Zarr or netCDF).
FILE_KIND = "file"

#: ``signal_class`` of rows read from a file.
FILE_SIGNAL_CLASS = "file"

#: Prefix of the bank coordinates that hold family parameters (``bank_dilation``, ...). Signal
#: coordinates already use some parameter names (``seed``, ``bandwidth``, ``octaves``), and one
#: dataset cannot hold a coordinate of that name on both ``signal`` and ``bank``.
BANK_PARAMETER_PREFIX = "bank_"

#: Arguments of a generator that a group sets itself (not through ``params``).
_GROUP_ARGUMENTS = ("count", "length", "seed")

_NPY_SUFFIXES = (".npy",)
_ZARR_SUFFIXES = (".zarr",)
_NETCDF_SUFFIXES = (".nc", ".nc4", ".cdf", ".netcdf")
_INT63_MASK = 0x7FFF_FFFF_FFFF_FFFF
_INT64_MAX = int(np.iinfo(np.int64).max)


# --------------------------------------------------------------------------------------------
# the error


class ConfigError(EnergySweepError):
    """A sweep spec that cannot be run: a one-line message naming the field, value and rule.

    Parameters
    ----------
    message
        The whole message, one line (newlines are replaced by spaces).
    field
        The field path (``"banks[1].params.dilation"``), when one field is at fault.

    Examples
    --------
    >>> str(ConfigError.for_field("depth", 0, "must be an integer >= 1"))
    'depth = 0: must be an integer >= 1'
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(" ".join(str(message).split()))

    @classmethod
    def for_field(cls, path: str, value: object, allowed: str) -> ConfigError:
        """``"{path} = {value!r}: {allowed}"``, the message of one bad field."""
        return cls(f"{path} = {_short_repr(value)}: {allowed}", field=path)


# --------------------------------------------------------------------------------------------
# value types


def _no_bool(value: object) -> object:
    """Refuse booleans where numbers are expected (pydantic would read ``true`` as 1)."""
    if isinstance(value, bool | np.bool_):
        raise ValueError("must be a number, not a boolean")
    return value


def _bank_scalar(value: object) -> object:
    """Refuse booleans; read numeric strings as floats (YAML 1.1 reads ``1e-3`` as a string)."""
    _no_bool(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


StrictInteger = Annotated[int, Strict()]
Number = Annotated[int | float, BeforeValidator(_no_bool)]
BankScalar = Annotated[int | float | str | None, BeforeValidator(_bank_scalar)]
BankValues = Annotated[list[BankScalar], Field(min_length=1)]


# --------------------------------------------------------------------------------------------
# the spec


class SignalGroup(BaseModel):
    """One entry of ``signals:``: ``count`` rows of one signal class.

    Attributes
    ----------
    kind
        A name of :data:`pipeline.signals.GENERATORS` (``white_noise``, ``band_limited``,
        ``sobolev``, ``chirp``, ``piecewise_constant``, ``lacunary``, ``ecg``, ``nino``) or
        ``"file"``.
    count
        Number of rows. For the records ``ecg`` and ``nino``, consecutive segments of
        ``length`` samples; for ``file``, the first ``count`` rows (default: every row).
    seed
        Seed of the first row, required by random generators (row ``i`` uses ``seed + i``);
        must be omitted for records and files.
    params
        The generator's own parameters (``bandwidth``, ``s``, ``f0``, ``f1``, ``jumps``,
        ``octaves``, ``packet_width``).
    path
        ``kind: file`` only: a ``.npy`` array ``(rows, length)``, or a Zarr store (``.zarr``) or
        netCDF file (``.nc``) read with xarray, whose variable is 2-D ``(rows, length)``.
    variable
        The variable of a Zarr or netCDF file; may be omitted when the file holds one.
    """

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="signal class: a generator of pipeline.signals, or 'file'")
    count: StrictInteger = Field(1, ge=1, description="number of rows (segments for records)")
    seed: StrictInteger | None = Field(
        None, ge=0, description="seed of the first row (random generators only); row i: seed + i"
    )
    params: dict[str, Number] = Field(
        default_factory=dict, description="generator parameters (bandwidth, s, f0, f1, ...)"
    )
    path: str | None = Field(None, description="kind 'file': .npy, .zarr or .nc path")
    variable: str | None = Field(None, description="kind 'file': variable of a Zarr/netCDF file")


class BankGrid(BaseModel):
    """One entry of ``banks:``: a family and a grid of its parameters.

    Attributes
    ----------
    family
        A registered family (:func:`pipeline.filters.families`).
    params
        Family parameters; a list gives several values, and the entry expands to the Cartesian
        product of all lists (parameter names sorted, the last varying fastest). ``null`` (or an
        omitted parameter) takes the family's default.
    """

    model_config = ConfigDict(extra="forbid")

    family: str = Field(description="filter family (see pipeline.filters.families())")
    params: dict[str, BankScalar | BankValues] = Field(
        default_factory=dict, description="family parameters; lists expand as a product"
    )


class LocalCluster(BaseModel):
    """A ``distributed.LocalCluster`` started by the sweep on this machine."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["local"] = "local"
    workers: StrictInteger = Field(2, ge=1, description="worker processes")
    threads_per_worker: StrictInteger = Field(1, ge=1, description="threads per worker")
    memory_limit: str = Field("auto", min_length=1, description="per worker, e.g. '4GiB'")


class AddressCluster(BaseModel):
    """An existing Dask scheduler, by address (``tcp://127.0.0.1:8786``)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["address"]
    address: str = Field(min_length=1, description="scheduler address, e.g. tcp://host:8786")


class SlurmCluster(BaseModel):
    """A ``dask_jobqueue.SLURMCluster`` (validated here; started by the flow)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["slurm"]
    queue: str | None = None
    account: str | None = None
    cores: StrictInteger = Field(ge=1, description="cores per job")
    memory: str = Field(min_length=1, description="memory per job, e.g. '16GB'")
    walltime: str = Field(min_length=1, description="per job, e.g. '01:00:00'")
    jobs: StrictInteger = Field(ge=1, description="number of jobs to scale to")
    job_extra_directives: list[str] = Field(default_factory=list)


class KubernetesCluster(BaseModel):
    """A ``dask_kubernetes`` cluster (validated here; started by the flow)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["kubernetes"]
    image: str = Field(min_length=1, description="container image of the workers")
    namespace: str = "default"
    workers: StrictInteger = Field(ge=1)
    resources: dict[str, Any] = Field(default_factory=dict)


ClusterConfig = Annotated[
    LocalCluster | AddressCluster | SlurmCluster | KubernetesCluster,
    Field(discriminator="kind"),
]

_CLUSTER_MODELS: dict[str, type[BaseModel]] = {
    "local": LocalCluster,
    "address": AddressCluster,
    "slurm": SlurmCluster,
    "kubernetes": KubernetesCluster,
}


class BankEntry(NamedTuple):
    """One concrete bank after expansion: its family and every parameter, defaults resolved."""

    family: str
    params: dict[str, Any]


class WorkUnit(NamedTuple):
    """One task: bank ``bank`` (index into :meth:`SweepConfig.bank_table`) on rows ``[start, stop)``
    of the concatenated signal axis, which form chunk ``chunk``."""

    bank: int
    chunk: int
    start: int
    stop: int


@dataclass(frozen=True)
class _Group:
    """What validation learned about one signal group."""

    offset: int  # first row on the concatenated signal axis
    mode: Literal["seeded", "record", "file"]
    coords: dict[str, Any]  # seeded: dataset, signal_class and parameter values of every row


class SweepConfig(BaseModel):
    r"""A sweep: signals × banks, propagated to ``depth`` layers, written to one Zarr store.

    Attributes
    ----------
    name
        A label for the sweep (not part of the computation hash).
    length
        :math:`N`, samples per signal; every bank is built on the grid ``(N,)``.
    signals
        Signal groups, concatenated in this order along ``signal``.
    banks
        Bank grids, expanded in this order (see :meth:`bank_table`).
    depth
        Deepest layer :math:`N_{\text{layers}} \ge 1`; layers ``0..depth`` are stored.
    energy_budget
        Energy that pruning may drop, a fraction of :math:`\|f\|^2` in ``[0, 1)``; 0 is exact
        (:func:`pipeline.cascade.propagate`).
    dtype
        Working precision of the cascade.
    chunk
        Signals per work unit, and the store's chunk along ``signal``.
    store
        Path of the Zarr store.
    cluster
        Where the work runs: ``local`` (default), ``address``, ``slurm`` or ``kubernetes``.

    Notes
    -----
    Validation builds one row of every signal group and every expanded bank, so a spec that
    validates runs. Use :func:`load_config` (or :meth:`from_mapping`) to get :class:`ConfigError`
    instead of pydantic's ``ValidationError``. The expanded bank table and the signal layout are
    computed at validation: change a spec through :func:`load_config` overrides or
    :meth:`from_mapping`, not with ``model_copy(update=...)`` (which skips validation).
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="label of the sweep")
    length: StrictInteger = Field(ge=4, description="N, samples per signal")
    signals: list[SignalGroup] = Field(min_length=1)
    banks: list[BankGrid] = Field(min_length=1)
    depth: StrictInteger = Field(ge=1, description="deepest layer; layers 0..depth are stored")
    energy_budget: Annotated[float, BeforeValidator(_no_bool)] = Field(
        0.0, ge=0.0, lt=1.0, allow_inf_nan=False, description="pruning budget, fraction of ||f||^2"
    )
    dtype: Literal["float64", "float32"] = "float64"
    chunk: StrictInteger = Field(64, ge=1, description="signals per work unit and store chunk")
    store: str = Field(min_length=1, description="path of the Zarr store")
    cluster: ClusterConfig = Field(default_factory=LocalCluster)

    _groups: list[_Group] = PrivateAttr(default_factory=list)
    _coord_names: list[str] = PrivateAttr(default_factory=list)
    _bank_table: list[BankEntry] = PrivateAttr(default_factory=list)
    _file_digests: dict[tuple[int, int, int], str] = PrivateAttr(default_factory=dict)

    # ----------------------------------------------------------------------------------------
    # validation

    @field_validator("cluster", mode="before")
    @classmethod
    def _local_by_default(cls, value: object) -> object:
        """A ``cluster:`` mapping without ``kind`` is a local cluster."""
        if isinstance(value, Mapping) and "kind" not in value:
            return {"kind": "local", **value}
        return value

    @model_validator(mode="after")
    def _check(self) -> SweepConfig:
        """Check what types alone cannot: signal groups, and every expanded bank."""
        self._groups, self._coord_names = self._check_signals()
        self._bank_table = self._check_banks()
        self._file_digests = {}
        return self

    def _check_signals(self) -> tuple[list[_Group], list[str]]:
        groups: list[_Group] = []
        names: dict[str, None] = dict.fromkeys(("dataset", "signal_class", "seed"))
        offset = 0
        for i, group in enumerate(self.signals):
            here = f"signals[{i}]"
            if group.kind != FILE_KIND and group.kind not in GENERATORS:
                raise ConfigError.for_field(
                    f"{here}.kind",
                    group.kind,
                    f"must be one of {', '.join([*GENERATORS, FILE_KIND])}",
                )
            if group.kind == FILE_KIND:
                info = self._check_file_group(i, group, offset)
                names["file_row"] = None
            else:
                for field in ("path", "variable"):
                    if getattr(group, field) is not None:
                        raise ConfigError.for_field(
                            f"{here}.{field}",
                            getattr(group, field),
                            f"is only allowed for kind '{FILE_KIND}'",
                        )
                info = self._check_generator_group(i, group, offset)
                if info.mode == "seeded":
                    names.update(dict.fromkeys(info.coords["params"]))
                else:
                    sample = make_signals(group.kind, count=1, length=self.length)
                    names.update(dict.fromkeys(_parameter_names(sample)))
            groups.append(info)
            offset += group.count
        return groups, list(names)

    def _check_generator_group(self, i: int, group: SignalGroup, offset: int) -> _Group:
        here = f"signals[{i}]"
        accepted = [
            name
            for name in inspect.signature(GENERATORS[group.kind]).parameters
            if name not in _GROUP_ARGUMENTS
        ]
        for name, value in group.params.items():
            if name not in accepted:
                allowed = ", ".join(accepted) or "none"
                hint = f" (set {here}.{name} instead)" if name in ("count", "seed") else ""
                raise ConfigError.for_field(
                    f"{here}.params.{name}",
                    value,
                    f"is not a parameter of '{group.kind}'; allowed: {allowed}{hint}",
                )
        signature = inspect.signature(GENERATORS[group.kind]).parameters
        for name in accepted:
            if signature[name].default is inspect.Parameter.empty and name not in group.params:
                raise ConfigError(
                    f"{here}.params.{name}: is required by '{group.kind}' (allowed: "
                    f"{', '.join(accepted)})",
                    field=f"{here}.params.{name}",
                )
        seeded = "seed" in signature
        if not seeded:
            return self._check_record_group(i, group, offset)
        if group.seed is None:
            raise ConfigError.for_field(
                f"{here}.seed",
                None,
                f"is required by '{group.kind}' (a random generator): an integer >= 0",
            )
        if group.seed + group.count - 1 > _INT64_MAX:
            raise ConfigError.for_field(
                f"{here}.seed",
                group.seed,
                f"must be <= {_INT64_MAX - group.count + 1} (rows use seed .. seed + count - 1)",
            )
        with _reraised_under(here, group.params, top_level={"length": "length"}):
            sample = make_signals(
                group.kind, count=1, length=self.length, seed=group.seed, **group.params
            )
        coords = {
            "dataset": str(sample.dataset.values[0]),
            "signal_class": str(sample.signal_class.values[0]),
            "params": {name: float(sample[name].values[0]) for name in _parameter_names(sample)},
        }
        return _Group(offset, "seeded", coords)

    def _check_record_group(self, i: int, group: SignalGroup, offset: int) -> _Group:
        here = f"signals[{i}]"
        if group.seed is not None:
            raise ConfigError.for_field(
                f"{here}.seed",
                group.seed,
                f"must be omitted for '{group.kind}' (a recorded signal, no randomness)",
            )
        available = make_signals(group.kind).sizes["time"]
        if self.length > available:
            raise ConfigError.for_field(
                f"{here}.kind",
                group.kind,
                f"the record has {available} samples, fewer than length = {self.length}; "
                f"use length <= {available} or another kind",
            )
        if group.count * self.length > available:
            raise ConfigError.for_field(
                f"{here}.count",
                group.count,
                f"must be <= {available // self.length} (the '{group.kind}' record has "
                f"{available} samples, cut into segments of length = {self.length})",
            )
        with _reraised_under(here, group.params, top_level={"length": "length"}):
            make_signals(group.kind, count=group.count, length=self.length)
        return _Group(offset, "record", {})

    def _check_file_group(self, i: int, group: SignalGroup, offset: int) -> _Group:
        here = f"signals[{i}]"
        if group.path is None:
            raise ConfigError.for_field(f"{here}.path", None, "is required for kind 'file'")
        for field, value in (("seed", group.seed), ("params", group.params or None)):
            if value is not None:
                raise ConfigError.for_field(
                    f"{here}.{field}", value, "must be omitted for kind 'file'"
                )
        rows, row_length = _file_shape(here, group)
        if row_length != self.length:
            raise ConfigError.for_field(
                f"{here}.path",
                group.path,
                f"rows have {row_length} samples; they must have length = {self.length}",
            )
        if "count" not in group.model_fields_set:
            group.count = rows
        elif group.count > rows:
            raise ConfigError.for_field(
                f"{here}.count", group.count, f"must be <= {rows} (rows in {group.path})"
            )
        return _Group(offset, "file", {})

    def _check_banks(self) -> list[BankEntry]:
        table: list[BankEntry] = []
        seen: dict[str, str] = {}
        known = families()
        for i, grid in enumerate(self.banks):
            here = f"banks[{i}]"
            if grid.family not in known:
                raise ConfigError.for_field(
                    f"{here}.family", grid.family, f"must be one of {', '.join(known)}"
                )
            allowed = family_parameters(grid.family)
            for name, value in grid.params.items():
                if name not in allowed:
                    raise ConfigError.for_field(
                        f"{here}.params.{name}",
                        value,
                        f"is not a parameter of family '{grid.family}'; allowed: "
                        f"{', '.join(allowed) or 'none'}",
                    )
            for params, where in _expand(grid.params):
                with _reraised_under(here, params, top_level={"shape": "length"}, where=where):
                    bank = make_bank(grid.family, self.length, **params)
                entry = BankEntry(grid.family, {k: _native(v) for k, v in bank.params.items()})
                key = _canonical_json(_entry_payload(entry))
                if key in seen:
                    raise ConfigError.for_field(
                        f"{here}.params",
                        params,
                        f"gives bank {entry.family} {entry.params} again (already from "
                        f"{seen[key]}); remove the duplicate",
                    )
                seen[key] = here
                table.append(entry)
        return table

    def __eq__(self, other: object) -> bool:
        """Specs are equal when their fields are (caches and derived tables are not compared)."""
        if not isinstance(other, SweepConfig):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]  # mutable, like every pydantic model

    # ----------------------------------------------------------------------------------------
    # construction

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SweepConfig:
        """Validate a mapping (as read from YAML) into a spec.

        Parameters
        ----------
        data
            The fields of the spec.

        Returns
        -------
        SweepConfig

        Raises
        ------
        ConfigError
            One line for the first problem found, naming its field path.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"config = {_short_repr(data)}: must be a mapping of the sweep's fields "
                f"({', '.join(cls.model_fields)})"
            )
        try:
            return cls.model_validate(dict(data))
        except ValidationError as error:
            raise _config_error(error) from None

    @classmethod
    def from_yaml(cls, text: str, source: str = "<text>") -> SweepConfig:
        """Validate YAML text (e.g. the ``config`` attribute of a store) into a spec.

        Parameters
        ----------
        text
            YAML, read with ``yaml.safe_load``.
        source
            Where the text comes from, for error messages.

        Returns
        -------
        SweepConfig

        Raises
        ------
        ConfigError
            On a YAML syntax error (with its line) or an invalid spec.
        """
        return cls.from_mapping(_parse_yaml(text, source))

    # ----------------------------------------------------------------------------------------
    # banks

    def bank_table(self) -> list[BankEntry]:
        """Every concrete bank of the sweep, in order: the ``bank`` axis of the store.

        Returns
        -------
        list of BankEntry
            Entries of ``banks:`` in order; each expands to the product of its listed values,
            parameter names sorted, the last varying fastest. ``params`` holds every parameter
            of the family with defaults resolved for ``length`` (``FilterBank.params``).

        Examples
        --------
        A grid ``{family: meyer, params: {dilation: [1.5, 2.0]}}`` at length 1024 gives
        ``[BankEntry('meyer', {'dilation': 1.5, 'scales': ...}), BankEntry('meyer',
        {'dilation': 2.0, 'scales': 7})]``.
        """
        return [BankEntry(e.family, dict(e.params)) for e in self._bank_table]

    def bank_coords(self) -> dict[str, np.ndarray]:
        """Coordinates of the ``bank`` axis.

        Returns
        -------
        dict of str to numpy.ndarray
            ``family`` (str); one coordinate ``bank_<name>`` per parameter name of any family
            (float64, integers stored as floats, NaN where a family lacks the parameter; str with
            ``""`` for non-numeric parameters); ``bank_hash`` (str): 12 hex digits of the
            sha256 of the entry's canonical JSON, stable across versions and machines.

        Notes
        -----
        Parameter coordinates carry the prefix :data:`BANK_PARAMETER_PREFIX` because signal
        coordinates already use ``seed``, ``bandwidth`` and ``octaves``.
        """
        table = self._bank_table
        coords: dict[str, np.ndarray] = {"family": np.array([e.family for e in table], dtype=str)}
        names = sorted({name for entry in table for name in entry.params})
        for name in names:
            values = [entry.params.get(name) for entry in table]
            if all(v is None or _is_number(v) for v in values):
                column = np.array([np.nan if v is None else float(v) for v in values])
            else:
                column = np.array(["" if v is None else str(v) for v in values], dtype=str)
            coords[BANK_PARAMETER_PREFIX + name] = column
        coords["bank_hash"] = np.array(
            [_sha256(_canonical_json(_entry_payload(e)))[:12] for e in table], dtype=str
        )
        return coords

    # ----------------------------------------------------------------------------------------
    # signals

    @property
    def n_signals(self) -> int:
        """Total rows on the concatenated signal axis."""
        return sum(group.count for group in self.signals)

    def signal_chunks(self) -> list[tuple[int, int]]:
        """``[start, stop)`` of each chunk of ``chunk`` rows along the signal axis (last may be short).

        Returns
        -------
        list of tuple of int
            Consecutive ranges covering ``[0, n_signals)`` exactly.
        """
        total = self.n_signals
        return [(start, min(start + self.chunk, total)) for start in range(0, total, self.chunk)]

    def work_units(self) -> list[WorkUnit]:
        """Every (bank, chunk) pair, bank-major (all chunks of bank 0 first).

        Returns
        -------
        list of WorkUnit
            ``len(bank_table()) * len(signal_chunks())`` units.
        """
        chunks = self.signal_chunks()
        return [
            WorkUnit(bank, index, start, stop)
            for bank in range(len(self._bank_table))
            for index, (start, stop) in enumerate(chunks)
        ]

    def load_signals(self, start: int, stop: int) -> xr.DataArray:
        """Rows ``[start, stop)`` of the concatenated signal axis, generated or read on the spot.

        Parameters
        ----------
        start, stop
            Row range, ``0 <= start < stop <= n_signals``.

        Returns
        -------
        xarray.DataArray
            float64, dims ``("signal", "time")``, shape ``(stop - start, length)``; coordinate
            ``signal`` = the global row indices, ``time``, and every coordinate of
            :meth:`signal_coords` (NaN where a row's class lacks a parameter), so that every
            range carries the same coordinates.

        Raises
        ------
        InvalidParameterError
            If the range is empty or outside ``[0, n_signals)``.

        Notes
        -----
        Row ``i`` of a random group is drawn from ``default_rng(seed + i)``, so a range is
        bit-for-bit the same rows of a full load, on any worker.
        """
        start, stop = self._check_range(start, stop)
        parts = [self._group_rows(g, a, b) for g, a, b in self._segments(start, stop)]
        combined = parts[0] if len(parts) == 1 else xr.concat(parts, dim="signal")
        combined = combined.assign_coords(signal=np.arange(start, stop, dtype=np.int64))
        ordered = xr.DataArray(
            np.ascontiguousarray(combined.values, dtype=np.float64),
            dims=("signal", "time"),
            coords={
                "signal": combined.signal.values,
                "time": np.arange(self.length, dtype=np.int64),
                **{name: ("signal", combined[name].values) for name in self._coord_names},
            },
            name="input_signal",
            attrs={"units": "arbitrary", "long_name": "input signal"},
        )
        return ordered

    def signal_coords(self) -> dict[str, np.ndarray]:
        """Every coordinate of the ``signal`` axis over all ``n_signals`` rows.

        Returns
        -------
        dict of str to numpy.ndarray
            ``signal`` (int64 row index), ``dataset`` and ``signal_class`` (str), ``seed``
            (int64, ``-1`` for records and files), then one float64 coordinate per generator
            parameter of any group (NaN where absent), and ``file_row`` for file groups.
            Equal to the coordinates of :meth:`load_signals` over the same rows.

        Notes
        -----
        No signal data is generated for random groups (their parameters are constant and their
        seeds are ``seed + i``); records are tiny and are cut on the spot; files give their row
        indices only.
        """
        columns: dict[str, list[np.ndarray]] = {name: [] for name in self._coord_names}
        for index, group in enumerate(self.signals):
            info = self._groups[index]
            count = group.count
            if info.mode == "seeded":
                part: dict[str, np.ndarray] = {
                    "dataset": np.full(count, info.coords["dataset"]),
                    "signal_class": np.full(count, info.coords["signal_class"]),
                    "seed": np.arange(group.seed, group.seed + count, dtype=np.int64),
                }
                for name, value in info.coords["params"].items():
                    part[name] = np.full(count, value, dtype=np.float64)
            elif info.mode == "record":
                rows = make_signals(group.kind, count=count, length=self.length)
                part = {
                    name: rows[name].values
                    for name in ("dataset", "signal_class", "seed", *_parameter_names(rows))
                }
            else:
                part = _file_coords(group, 0, count)
            for name, column in columns.items():
                column.append(part.get(name, np.full(count, np.nan)))
        coords = {"signal": np.arange(self.n_signals, dtype=np.int64)}
        for name, column in columns.items():
            coords[name] = np.concatenate(column)
        coords["seed"] = coords["seed"].astype(np.int64)
        return coords

    def _check_range(self, start: int, stop: int) -> tuple[int, int]:
        total = self.n_signals
        if isinstance(start, bool) or not isinstance(start, int | np.integer):
            raise InvalidParameterError("start", start, "must be an integer")
        if isinstance(stop, bool) or not isinstance(stop, int | np.integer):
            raise InvalidParameterError("stop", stop, "must be an integer")
        if not 0 <= start < total:
            raise InvalidParameterError("start", start, f"must lie in [0, {total})")
        if not start < stop <= total:
            raise InvalidParameterError("stop", stop, f"must lie in ({start}, {total}]")
        return int(start), int(stop)

    def _segments(self, start: int, stop: int) -> Iterator[tuple[int, int, int]]:
        """``(group, first, last)`` local row ranges of every group that meets ``[start, stop)``."""
        for index, group in enumerate(self.signals):
            offset = self._groups[index].offset
            first, last = max(start, offset), min(stop, offset + group.count)
            if first < last:
                yield index, first - offset, last - offset

    def _group_rows(self, index: int, first: int, last: int) -> xr.DataArray:
        """Local rows ``[first, last)`` of group ``index``, with that group's own coordinates."""
        group = self.signals[index]
        info = self._groups[index]
        if info.mode == "seeded":
            rows = make_signals(
                group.kind,
                count=last - first,
                length=self.length,
                seed=group.seed + first,
                **group.params,
            )
        elif info.mode == "record":
            rows = make_signals(group.kind, count=last, length=self.length)
            rows = rows.isel(signal=slice(first, last))
        else:
            values = _read_file_rows(group, first, last)
            coords = _file_coords(group, first, last)
            rows = xr.DataArray(
                values,
                dims=("signal", "time"),
                coords={name: ("signal", value) for name, value in coords.items()},
            )
        missing = {
            name: ("signal", np.full(last - first, np.nan))
            for name in self._coord_names
            if name not in rows.coords
        }
        return rows.assign_coords(missing).drop_vars("time", errors="ignore")

    # ----------------------------------------------------------------------------------------
    # identity

    def canonical_text(self) -> str:
        """The spec as YAML, keys sorted, every field explicit (defaults and resolved counts).

        Returns
        -------
        str
            Text that :meth:`from_yaml` reads back into an equal spec (same hashes); stored in
            the store's attributes.
        """
        return yaml.safe_dump(
            self.model_dump(mode="json"), sort_keys=True, default_flow_style=False
        )

    def computation_hash(self) -> str:
        """sha256 (hex) of what determines the numbers of the whole sweep.

        Returns
        -------
        str
            Over the canonical JSON of ``length``, the signal groups (with a digest of the data
            of file groups), the expanded banks, ``depth``, ``energy_budget``, ``dtype`` and
            ``chunk``; not ``name``, ``store`` or ``cluster``. Numbers are normalised, so
            ``2`` and ``2.0`` hash alike.
        """
        payload = {
            "length": self.length,
            "signals": [self._group_payload(i) for i in range(len(self.signals))],
            "banks": [_entry_payload(e) for e in self._bank_table],
            "depth": self.depth,
            "energy_budget": float(self.energy_budget),
            "dtype": self.dtype,
            "chunk": self.chunk,
        }
        return _sha256(_canonical_json(payload))

    def unit_hash(self, unit: WorkUnit) -> int:
        """A positive 63-bit hash of everything that determines the numbers of one work unit.

        Parameters
        ----------
        unit
            A unit of :meth:`work_units` (any ``[start, stop)`` inside the signal axis works).

        Returns
        -------
        int
            In ``[0, 2**63)``: the first 8 bytes of a sha256, masked. It covers the bank entry,
            the rows' specs (for each group met: kind, parameters and the seed of the first row
            met; record segments by position; file rows by a digest of their data), ``depth``,
            ``energy_budget``, ``dtype``, ``length`` and the package version. It does not depend
            on rows outside the unit, so changing one group leaves the other groups' units alone.
        """
        if not 0 <= unit.bank < len(self._bank_table):
            raise InvalidParameterError(
                "unit.bank", unit.bank, f"must lie in [0, {len(self._bank_table)})"
            )
        start, stop = self._check_range(unit.start, unit.stop)
        payload = {
            "version": pipeline.__version__,
            "length": self.length,
            "depth": self.depth,
            "energy_budget": float(self.energy_budget),
            "dtype": self.dtype,
            "bank": _entry_payload(self._bank_table[unit.bank]),
            "rows": [self._rows_payload(g, a, b) for g, a, b in self._segments(start, stop)],
        }
        digest = hashlib.sha256(_canonical_json(payload).encode()).digest()
        return int.from_bytes(digest[:8], "big") & _INT63_MASK

    def _group_payload(self, index: int) -> dict[str, Any]:
        group = self.signals[index]
        payload: dict[str, Any] = {
            "kind": group.kind,
            "count": group.count,
            "seed": group.seed,
            "params": _normalised(group.params),
            "path": group.path,
            "variable": group.variable,
        }
        if group.kind == FILE_KIND:
            payload["data"] = self._file_digest(index, 0, group.count)
        return payload

    def _rows_payload(self, index: int, first: int, last: int) -> dict[str, Any]:
        group = self.signals[index]
        mode = self._groups[index].mode
        if mode == "seeded":
            return {
                "kind": group.kind,
                "params": _normalised(group.params),
                "seed": group.seed + first,
                "rows": last - first,
            }
        if mode == "record":
            return {"kind": group.kind, "first": first, "rows": last - first}
        return {
            "kind": group.kind,
            "path": group.path,
            "variable": group.variable,
            "first": first,
            "rows": last - first,
            "data": self._file_digest(index, first, last),
        }

    def _file_digest(self, index: int, first: int, last: int) -> str:
        """sha256 of the float64 samples of file rows ``[first, last)`` (cached per spec)."""
        key = (index, first, last)
        if key not in self._file_digests:
            group = self.signals[index]
            digest = hashlib.sha256()
            step = max(1, min(self.chunk, 2**22 // self.length))
            for a in range(first, last, step):
                rows = _read_file_rows(group, a, min(last, a + step))
                digest.update(np.ascontiguousarray(rows, dtype="<f8").tobytes())
            self._file_digests[key] = digest.hexdigest()
        return self._file_digests[key]


# --------------------------------------------------------------------------------------------
# loading


def load_config(
    path: str | Path,
    *,
    store: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    **fields: Any,
) -> SweepConfig:
    """Read and validate a sweep spec from a YAML file, with overrides on top.

    Parameters
    ----------
    path
        The YAML file (read with ``yaml.safe_load``).
    store
        Replaces ``store``.
    workers
        Replaces the worker count of the cluster: ``workers`` of ``local`` and ``kubernetes``,
        ``jobs`` of ``slurm``; refused for ``address`` (an existing scheduler).
    scheduler
        Address of an existing Dask scheduler: replaces ``cluster`` by
        ``{kind: address, address: scheduler}``.
    **fields
        Other top-level fields to replace (``depth``, ``chunk``, ``energy_budget``, ``name``,
        ...). ``None`` values are ignored, as for the named overrides.

    Returns
    -------
    SweepConfig

    Raises
    ------
    ConfigError
        If the file is missing or unreadable, is not valid YAML (the message gives the line),
        or the spec (after overrides) is invalid.

    Examples
    --------
    >>> cfg = load_config("configs/quickstart.yaml", store="/tmp/q.zarr")  # doctest: +SKIP
    """
    source = Path(path)
    if not source.is_file():
        raise ConfigError.for_field("config", str(source), "file not found")
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError.for_field("config", str(source), f"cannot be read ({error})") from None
    data = _parse_yaml(text, str(source))
    if not isinstance(data, dict):
        raise ConfigError.for_field(
            "config",
            str(source),
            f"must hold a YAML mapping of the sweep's fields, not {type(data).__name__}",
        )
    return SweepConfig.from_mapping(
        _apply_overrides(data, store=store, workers=workers, scheduler=scheduler, fields=fields)
    )


def config_schema() -> dict[str, Any]:
    """The JSON schema of a sweep spec (``SweepConfig.model_json_schema()``).

    Returns
    -------
    dict
        JSON schema; ``configs/sweep.schema.json`` holds it for editors and validators.
    """
    return SweepConfig.model_json_schema()


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{source}: YAML syntax error{where}: {problem}") from None


def _apply_overrides(
    data: dict[str, Any],
    *,
    store: str | None,
    workers: int | None,
    scheduler: str | None,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    data = dict(data)
    for name, value in fields.items():
        if value is None:
            continue
        if name not in SweepConfig.model_fields or name in ("signals", "banks", "cluster"):
            raise ConfigError.for_field(
                name,
                value,
                "is not a field that can be overridden; allowed: store, workers, scheduler, "
                + ", ".join(
                    n for n in SweepConfig.model_fields if n not in ("signals", "banks", "cluster")
                ),
            )
        data[name] = value
    if store is not None:
        data["store"] = store
    if scheduler is not None:
        if workers is not None:
            raise ConfigError.for_field(
                "workers", workers, "cannot be set together with scheduler (an existing cluster)"
            )
        data["cluster"] = {"kind": "address", "address": scheduler}
    if workers is not None:
        cluster = data.get("cluster")
        cluster = dict(cluster) if isinstance(cluster, Mapping) else {}
        kind = cluster.setdefault("kind", "local")
        if kind in ("local", "kubernetes"):
            cluster["workers"] = workers
        elif kind == "slurm":
            cluster["jobs"] = workers
        else:
            raise ConfigError.for_field(
                "workers", workers, f"cannot be set for cluster kind {kind!r}"
            )
        data["cluster"] = cluster
    return data


# --------------------------------------------------------------------------------------------
# helpers: bank expansion, files, hashing, error conversion


def _expand(params: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, int]]]:
    """Product of the listed values, names sorted, last fastest; with the list index used."""
    names = sorted(params)
    choices = [params[n] if isinstance(params[n], list) else [params[n]] for n in names]
    for indices in itertools.product(*(range(len(c)) for c in choices)):
        values = {n: choices[k][j] for k, (n, j) in enumerate(zip(names, indices, strict=True))}
        where = {n: j for n, j in zip(names, indices, strict=True) if isinstance(params[n], list)}
        yield values, where


@contextmanager
def _reraised_under(
    here: str,
    params: Mapping[str, Any],
    *,
    top_level: Mapping[str, str],
    where: Mapping[str, int] | None = None,
) -> Iterator[None]:
    """Re-raise pipeline errors of the block as one-line ConfigErrors under the field ``here``.

    Parameters
    ----------
    here
        The field path of the group or grid being checked (``"banks[1]"``).
    params
        The parameters passed: an error about one of them names ``here.params.<name>``, with
        the list index from ``where`` for values taken from a grid list.
    top_level
        Arguments that stand for a top-level field (``{"shape": "length"}``).
    where
        Index into the grid list of each listed parameter.
    """
    try:
        yield
    except ConfigError:
        raise
    except InvalidParameterError as error:
        argument = error.argument
        if argument in params:
            path = f"{here}.params.{argument}"
            if where and argument in where:
                path += f"[{where[argument]}]"
        elif argument in ("count", "seed", "family", "kind"):
            path = f"{here}.{argument}"
        elif argument in top_level:
            field = top_level[argument]
            message = str(ConfigError.for_field(field, error.value, error.allowed))
            raise ConfigError(f"{message} (in {here})", field=field) from None
        else:
            raise ConfigError(f"{here} {dict(params)}: {error}") from None
        raise ConfigError.for_field(path, error.value, error.allowed) from None
    except EnergySweepError as error:
        raise ConfigError(f"{here} {dict(params)}: {error}") from None


def _parameter_names(signals: xr.DataArray) -> list[str]:
    """The generator-parameter coordinates of a generator's output, in its order."""
    return [
        str(name)
        for name, coord in signals.coords.items()
        if coord.dims == ("signal",) and name not in ("dataset", "signal_class", "seed", "signal")
    ]


def _file_format(here: str, group: SignalGroup) -> str:
    suffix = Path(str(group.path)).suffix.lower()
    if suffix in _NPY_SUFFIXES:
        return "npy"
    if suffix in _ZARR_SUFFIXES:
        return "zarr"
    if suffix in _NETCDF_SUFFIXES:
        return "netcdf"
    raise ConfigError.for_field(
        f"{here}.path",
        group.path,
        f"must end in one of {', '.join(_NPY_SUFFIXES + _ZARR_SUFFIXES + _NETCDF_SUFFIXES)}",
    )


def _open_dataset(path: str, form: str) -> xr.Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # unconsolidated Zarr metadata
        if form == "zarr":
            return xr.open_zarr(path)
        return xr.open_dataset(path)


def _pick_variable(here: str, group: SignalGroup, dataset: xr.Dataset) -> str:
    names = [str(n) for n in dataset.data_vars]
    if group.variable is None:
        if len(names) == 1:
            return names[0]
        raise ConfigError.for_field(
            f"{here}.variable",
            None,
            f"must name one of {', '.join(names)} (the variables of {group.path})",
        )
    if group.variable not in names:
        raise ConfigError.for_field(
            f"{here}.variable",
            group.variable,
            f"must be one of {', '.join(names) or '(none)'} (the variables of {group.path})",
        )
    return group.variable


def _file_shape(here: str, group: SignalGroup) -> tuple[int, int]:
    """``(rows, row length)`` of a file group, after checking format, variable, rank and dtype."""
    form = _file_format(here, group)
    path = str(group.path)
    if not Path(path).exists():
        raise ConfigError.for_field(f"{here}.path", path, "file not found")
    try:
        if form == "npy":
            if group.variable is not None:
                raise ConfigError.for_field(
                    f"{here}.variable", group.variable, "must be omitted for a .npy file"
                )
            array = np.load(path, mmap_mode="r", allow_pickle=False)
            shape, dtype = array.shape, array.dtype
        else:
            with _open_dataset(path, form) as dataset:
                variable = dataset[_pick_variable(here, group, dataset)]
                shape, dtype = variable.shape, variable.dtype
    except ConfigError:
        raise
    except Exception as error:  # unreadable file: any library's error, reported in one line
        raise ConfigError.for_field(
            f"{here}.path", path, f"cannot be read as {form} ({type(error).__name__}: {error})"
        ) from None
    if len(shape) != 2:
        raise ConfigError.for_field(
            f"{here}.path", path, f"must hold a 2-D array (rows, length), not shape {shape}"
        )
    if dtype.kind not in "biuf":
        raise ConfigError.for_field(
            f"{here}.path", path, f"must hold real numbers, not dtype {dtype}"
        )
    if shape[0] < 1:
        raise ConfigError.for_field(f"{here}.path", path, "holds no rows")
    return int(shape[0]), int(shape[1])


def _read_file_rows(group: SignalGroup, first: int, last: int) -> np.ndarray:
    path = str(group.path)
    form = _file_format("signals", group)
    if form == "npy":
        array = np.load(path, mmap_mode="r", allow_pickle=False)
        return np.array(array[first:last], dtype=np.float64)
    with _open_dataset(path, form) as dataset:
        variable = dataset[_pick_variable("signals", group, dataset)]
        rows = variable.isel({variable.dims[0]: slice(first, last)}).values
    return np.asarray(rows, dtype=np.float64)


def _file_coords(group: SignalGroup, first: int, last: int) -> dict[str, np.ndarray]:
    count = last - first
    return {
        "dataset": np.full(count, str(group.path)),
        "signal_class": np.full(count, FILE_SIGNAL_CLASS),
        "seed": np.full(count, NO_SEED, dtype=np.int64),
        "file_row": np.arange(first, last, dtype=np.float64),
    }


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _native(value: Any) -> Any:
    """numpy scalars and arrays as Python values, for JSON and YAML."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _normalised(value: Any) -> Any:
    """Numbers in one canonical form for hashing: integral floats below 2**53 become ints."""
    value = _native(value)
    if isinstance(value, Mapping):
        return {str(k): _normalised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalised(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _entry_payload(entry: BankEntry) -> dict[str, Any]:
    return {"family": entry.family, "params": _normalised(entry.params)}


def _canonical_json(payload: Any) -> str:
    return json.dumps(
        _normalised(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=repr
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_PYDANTIC_RULES: dict[str, str] = {
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
}


def _config_error(error: ValidationError) -> ConfigError:
    """One line for the first error of a pydantic ``ValidationError``."""
    errors = error.errors()
    first = errors[0]
    if _is_params_value(tuple(first["loc"])):
        # a union (number | list of numbers): report the member error that points deepest
        same = [e for e in errors if tuple(e["loc"])[:4] == tuple(first["loc"])[:4]]
        first = max(same, key=lambda e: sum(isinstance(item, int) for item in e["loc"]))
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, ConfigError):
        return cause
    raw_loc = tuple(first["loc"])
    kind = first["type"]
    ctx = first.get("ctx") or {}
    value = first.get("input")
    path, loc = _format_loc(raw_loc)
    if kind == "missing":
        return ConfigError(f"{path}: is required but missing", field=path)
    if kind == "extra_forbidden":
        if raw_loc[:1] == ("cluster",) and len(raw_loc) > 2:
            allowed = _cluster_allowed_keys(str(raw_loc[1]))
        else:
            allowed = _allowed_keys(loc[:-1])
        return ConfigError.for_field(
            path, value, f"unknown key; allowed: {', '.join(allowed)}" if allowed else "unknown key"
        )
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return ConfigError.for_field(
            f"{path}.kind" if kind == "union_tag_invalid" else path,
            ctx.get("tag", value),
            f"must be one of {', '.join(_CLUSTER_MODELS)}",
        )
    if _is_params_value(loc):
        if loc[0] == "banks" and len(loc) > 4:
            rule = "must be a number, a string or null"
        elif loc[0] == "banks" and isinstance(value, list):
            rule = "must be a non-empty list of numbers, strings or null"
        elif loc[0] == "banks":
            rule = "must be a number, a string, null or a non-empty list of them"
        else:
            rule = "must be a number"
        return ConfigError.for_field(path, value, rule)
    if kind in _PYDANTIC_RULES:
        return ConfigError.for_field(path, value, _PYDANTIC_RULES[kind])
    bounds = {
        "greater_than_equal": ("ge", ">="),
        "greater_than": ("gt", ">"),
        "less_than": ("lt", "<"),
        "less_than_equal": ("le", "<="),
    }
    if kind in bounds:
        key, symbol = bounds[kind]
        return ConfigError.for_field(path, value, f"must be {symbol} {ctx.get(key)}")
    if kind == "literal_error":
        return ConfigError.for_field(path, value, f"must be {ctx.get('expected')}")
    if kind == "too_short":
        return ConfigError.for_field(
            path, value, f"must hold at least {ctx.get('min_length')} item(s)"
        )
    message = str(first.get("msg", ""))
    message = message.removeprefix("Value error, ")
    return ConfigError.for_field(path, value, message[:1].lower() + message[1:])


def _is_params_value(loc: tuple[Any, ...]) -> bool:
    return len(loc) >= 4 and loc[0] in ("signals", "banks") and loc[2] == "params"


def _format_loc(loc: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """``("banks", 0, "params", "x", <member>...)`` -> ``"banks[0].params.x"`` and the kept loc.

    Union-member markers that pydantic inserts (``int``, ``float``, ``list[...]``, the tag of a
    discriminated union) are dropped.
    """
    kept: list[Any] = []
    for position, item in enumerate(loc):
        if position == 1 and loc[0] == "cluster" and item in _CLUSTER_MODELS:
            continue
        kept.append(item)
    if _is_params_value(tuple(kept)):
        tail = kept[4:]
        kept = kept[:4]
        list_index = next((t for t in tail if isinstance(t, int)), None)
        if list_index is not None:
            kept.append(list_index)
    text = ""
    for item in kept:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text or "config", tuple(kept)


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model at ``loc`` (the parent of an unknown key)."""
    if loc == ():
        return list(SweepConfig.model_fields)
    if len(loc) == 2 and loc[0] == "signals":
        return list(SignalGroup.model_fields)
    if len(loc) == 2 and loc[0] == "banks":
        return list(BankGrid.model_fields)
    return []


def _cluster_allowed_keys(kind: str) -> list[str]:
    model = _CLUSTER_MODELS.get(kind)
    return list(model.model_fields) if model else []


def _dump_schema() -> str:
    """The text of ``configs/sweep.schema.json``: :func:`config_schema`, indented, sorted keys."""
    return json.dumps(config_schema(), indent=2, sort_keys=True) + "\n"
