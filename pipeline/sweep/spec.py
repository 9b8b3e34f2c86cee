r"""The sweep spec: pydantic models of the YAML, checked without reading any file.

A sweep asks: for these filter banks (families × parameter grids), these signals and this depth,
what are the energies :math:`W_n` and :math:`F_n` of every layer :math:`n = 0, \dots, N`
(docs/theory.md §2)? A minimal spec::

    name: quickstart
    length: 1024                      # N; or shape: [N1, N2] for 2-D signals
    signals:
      - {kind: white_noise, count: 16, seed: 0}
      - {kind: band_limited, count: 8, seed: 0, params: {bandwidth: 0.1}}
      - {kind: ecg}                   # recorded: no seed
      - {kind: file, path: data/my_signals.npy}   # (rows, N); count defaults to every row
      - {kind: file, files: "data/new/*.npy"}     # every match, sorted: new files, new signals
    banks:
      - {family: meyer, params: {dilation: [1.5, 2.0]}}   # lists expand as a product
      - {family: morlet}
    depth: 8
    energy_budget: 1.0e-6
    chunk: 8
    store: results/quickstart.zarr
    cluster: {kind: local, workers: 2}

Validation here is pure: types and ranges, names against the registries of signal kinds
(:mod:`pipeline.signals`) and filter families (:mod:`pipeline.filters`), which fields go with
which kind, and whether each kind supports the grid's dimension. It reads no file, builds no bank
and changes nothing. What needs files or computation (row counts and shapes of files, parameter
values, every expanded bank) is the separate, explicit step :func:`pipeline.sweep.resolve`,
which :func:`pipeline.sweep.load_config` and :meth:`SweepConfig.from_mapping` run at once, so a
spec they return runs.

Conventions
-----------
- Signals are concatenated along one ``signal`` axis in the order of ``signals:``. Row ``i`` of a
  random group is drawn from its own stream, ``SeedSequence(entropy=seed, spawn_key=(key, i))``
  with ``key`` a digest of the group's kind and parameters (:mod:`pipeline.signals.streams`):
  groups never share rows, whatever their seeds, kinds or order.
- Banks expand per entry of ``banks:`` as the Cartesian product of the listed values, parameter
  names in sorted order, the last name varying fastest.
- A ``files`` pattern (a glob) is expanded, when the spec is validated, into one ``path`` group
  per matching file in sorted order (a directory listing; no file is opened), so a rerun picks
  up new files as new signals. Name files so that new ones sort last (dates, counters) and keep
  the group last in ``signals:``, so that new rows come after the rows already in a store.
- Relative paths (``store``, ``path`` and ``files`` of file groups) in a config file are relative to the
  file's folder, not to the working directory: :func:`~pipeline.sweep.load_config` replaces
  them by absolute paths, which messages show. A mapping given to :meth:`SweepConfig.from_mapping`
  without a file keeps its paths as they are (relative to the working directory). A ``--store``
  override is a path as typed on the command line.
- Every error is a :class:`~pipeline.errors.ConfigError` with a one-line message naming the field
  path (as ``banks[1].params.dilation``), the value and what is allowed.
- ``cluster`` is a mapping whose ``kind`` names a backend of ``flows.clusters``; only ``kind`` is
  checked here (the library knows no backend).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
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

from pipeline.errors import ConfigError, InvalidParameterError, _short_repr
from pipeline.filters import families, family_parameters
from pipeline.signals import signal_kind, signal_kinds
from pipeline.validation import check_integer

from .limits import MAX_EXACT_DEPTH, check_limits
from .messages import config_error, path_error

if TYPE_CHECKING:
    import xarray as xr

    from .banks import BankEntry
    from .plan import SweepPlan
    from .units import WorkUnit

__all__ = ["FILE_KIND", "BankGrid", "SignalGroup", "SweepConfig"]

#: ``kind`` of a signal group read from a file (``.npy``, Zarr or netCDF).
FILE_KIND = "file"

#: Smallest grid size along each dim.
MIN_GRID_SIZE = 4

#: Grid dimensions a sweep may have.
GRID_DIMS = (1, 2)

# ---- limits, checked before anything is read, built or run ------------------------------------
# Each is far above what a laptop or a cluster job does in an hour, and low enough that the plan
# (coordinates, work units, banks) fits in memory and validation stays within seconds.


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
GridSize = Annotated[StrictInteger, Field(ge=MIN_GRID_SIZE)]
#: The cascade's path rules and samplings (:func:`pipeline.cascade.propagate`).
PathRule = Literal["all", "frequency_decreasing"]
Sampling = Literal["exact", "critical"]
#: The cascade's slack for dropped paths (docs/theory.md §2, §17).
Slack = Literal["energy", "modulus"]


class SignalGroup(BaseModel):
    """One entry of ``signals:``: ``count`` rows of one signal kind.

    Attributes
    ----------
    kind
        A registered signal kind (:func:`pipeline.signals.signal_kinds`) or ``"file"``.
    count
        Number of rows. For records, consecutive segments of the grid's length; for ``file``,
        the first ``count`` rows (omitted: every row); for generators, 1 when omitted.
    seed
        The group's seed, required by random kinds, omitted for records and files.
    params
        The kind's own parameters (``bandwidth``, ``s``, ``f0``, ``f1``, ...).
    path
        ``kind: file`` only: a ``.npy`` array ``(rows, *shape)``, or a Zarr store (``.zarr``) or
        netCDF file (``.nc``) read with xarray (:mod:`pipeline.sweep.readers`).
    variable
        The variable of a Zarr or netCDF file; may be omitted when the file holds one.
    files
        ``kind: file`` only, instead of ``path``: a glob pattern (``*``, ``?``, ``[...]``,
        ``**`` for any depth). :class:`SweepConfig` replaces the group by one ``path`` group per
        match in sorted order (every row of each), so the validated spec never holds a pattern.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(description="signal kind (pipeline.signals.signal_kinds()) or 'file'")
    count: StrictInteger | None = Field(
        None, ge=1, description="rows (segments for records); default 1, or every row of a file"
    )
    seed: StrictInteger | None = Field(
        None, ge=0, le=2**63 - 1, description="seed of the group's streams (random kinds only)"
    )
    params: dict[str, Number] = Field(
        default_factory=dict, description="parameters of the kind (bandwidth, s, f0, f1, ...)"
    )
    path: str | None = Field(
        None,
        description="kind 'file': .npy, .zarr or .nc path, relative to the config file's folder",
    )
    variable: str | None = Field(None, description="kind 'file': variable of a Zarr/netCDF file")
    files: str | None = Field(
        None,
        exclude=True,  # expanded into path groups at validation: never in a dump
        description="kind 'file': a glob pattern such as data/*.npy, relative to the config file's "
        "folder; each match, sorted, becomes a group of its own (new files: new signals)",
    )


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
    path_rule, sampling, oversampling, slack
        This entry's cascade modes, when they differ from the sweep's (docs/theory.md §15-§17).
    depth, energy_budget
        This entry's depth and pruning budget, when they differ from the sweep's: exact
        (``energy_budget: 0``) where that is cheap at the depth that matters, e.g. Gabor banks
        at depth 5 (docs/theory.md §13). ``depth`` must not exceed the sweep's ``depth``; the
        store holds layers ``0..depth`` of the sweep, NaN beyond a bank's own depth.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: str = Field(description="filter family (see pipeline.filters.families())")
    params: dict[str, BankScalar | BankValues] = Field(
        default_factory=dict, description="family parameters; lists expand as a product"
    )
    depth: StrictInteger | None = Field(
        None,
        ge=1,
        description="this entry's deepest layer (<= the sweep's depth; default: the sweep's); "
        "layers beyond it are NaN in the store",
    )
    energy_budget: Annotated[float | None, BeforeValidator(_no_bool)] = Field(
        None,
        ge=0.0,
        lt=1.0,
        allow_inf_nan=False,
        description="this entry's pruning budget (default: the sweep's); 0 is exact",
    )
    path_rule: PathRule | None = Field(
        None, description="this entry's path rule (default: the sweep's)"
    )
    sampling: Sampling | None = Field(
        None, description="this entry's sampling (default: the sweep's)"
    )
    slack: Slack | None = Field(None, description="this entry's slack (default: the sweep's)")
    oversampling: Annotated[float | None, BeforeValidator(_no_bool)] = Field(
        None,
        ge=1.0,
        allow_inf_nan=False,
        description="this entry's oversampling (default: the sweep's)",
    )


class SweepConfig(BaseModel):
    r"""A sweep: signals × banks, propagated to ``depth`` layers, written to one Zarr store.

    Attributes
    ----------
    name
        A label for the sweep (not part of the computation hash).
    shape
        The grid of every signal and bank: ``(N,)`` (YAML ``length: N``) or ``(N1, N2)``
        (YAML ``shape: [N1, N2]``), each size ``>= 4``.
    signals
        Signal groups, concatenated in this order along ``signal``.
    banks
        Bank grids, expanded in this order (see :meth:`bank_table`).
    depth
        Deepest layer :math:`N_{\text{layers}} \ge 1`; layers ``0..depth`` are stored.
    energy_budget
        Energy that pruning may drop, a fraction of :math:`\|f\|^2` in ``[0, 1)``; 0 is exact.
    dtype
        Working precision of the cascade.
    path_rule, sampling, oversampling
        The cascade's path rule (``all``: the frame; ``frequency_decreasing``: a child filter
        only if coarser than its parent's), sampling (``exact``; ``critical``: 1-D, each
        path's modulus on a grid of ``oversampling`` x its filter's support) and oversampling
        factor (>= 1): :func:`pipeline.cascade.propagate`, docs/theory.md §15, §16. ``slack``:
        ``energy`` (``pruned_slack`` only) or ``modulus`` (the store also holds
        ``slack_bound`` and ``dropped_energy``, a tighter rigorous sandwich, docs/theory.md
        §17). A bank entry may override each.
    chunk
        Signals per work unit, and the store's chunk along ``signal``.
    store
        Path of the Zarr store.
    cluster
        Where the work runs: a mapping with ``kind`` (default ``{"kind": "local"}``) and the
        backend's own fields, checked by the flows' cluster backends.

    Notes
    -----
    The model is frozen and its validators are pure. :attr:`plan` is the resolved sweep
    (:class:`~pipeline.sweep.plan.SweepPlan`: file shapes, resolved counts, expanded banks),
    made once on first use; the methods below (:meth:`work_units`, :meth:`load_signals`,
    :meth:`unit_hash`, ...) are the plan's. Build specs with :func:`~pipeline.sweep.load_config`
    or :meth:`from_mapping`, which resolve at once and report every problem as one line.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="label of the sweep")
    shape: tuple[GridSize, ...] = Field(
        min_length=1, max_length=2, description="grid (N,) or (N1, N2); YAML length: N for 1-D"
    )
    signals: list[SignalGroup] = Field(min_length=1)
    banks: list[BankGrid] = Field(min_length=1)
    depth: StrictInteger = Field(ge=1, description="deepest layer; layers 0..depth are stored")
    energy_budget: Annotated[float, BeforeValidator(_no_bool)] = Field(
        0.0, ge=0.0, lt=1.0, allow_inf_nan=False, description="pruning budget, fraction of ||f||^2"
    )
    dtype: Literal["float64", "float32"] = "float64"
    path_rule: PathRule = Field("all", description="all (the frame) or frequency_decreasing")
    sampling: Sampling = Field("exact", description="exact, or critical (1-D: coarse grids)")
    slack: Slack = Field("energy", description="energy, or modulus (adds slack_bound, tighter)")
    oversampling: Annotated[float, BeforeValidator(_no_bool)] = Field(
        2.0, ge=1.0, allow_inf_nan=False, description="coarse grid size / filter support (critical)"
    )
    chunk: StrictInteger = Field(64, ge=1, description="signals per work unit and store chunk")
    store: str = Field(
        min_length=1,
        description="path of the Zarr store, relative to the config file's folder",
    )
    cluster: dict[str, Any] = Field(
        default_factory=lambda: {"kind": "local"},
        description="cluster backend: {kind: local | address | slurm | kubernetes, ...}",
    )

    _plan: SweepPlan | None = PrivateAttr(None)

    # ----------------------------------------------------------------------------------------
    # validation (pure)

    @model_validator(mode="before")
    @classmethod
    def _length_is_a_1d_shape(cls, data: Any) -> Any:
        """``length: N`` is the 1-D shorthand of ``shape: [N]``."""
        if not isinstance(data, Mapping) or "length" not in data:
            return data
        if "shape" in data:
            raise ConfigError.for_field(
                "length", data["length"], "must be omitted when shape is given (set one of them)"
            )
        try:
            length = check_integer("length", data["length"], minimum=MIN_GRID_SIZE)
        except InvalidParameterError as error:
            raise ConfigError.for_field("length", error.value, error.allowed) from None
        return {**{k: v for k, v in data.items() if k != "length"}, "shape": [length]}

    @field_validator("cluster", mode="before")
    @classmethod
    def _cluster_kind(cls, value: object) -> object:
        """A mapping whose ``kind`` is a string (``local`` when omitted)."""
        if not isinstance(value, Mapping):
            raise ConfigError.for_field(
                "cluster", value, "must be a mapping with a kind (local, address, slurm, ...)"
            )
        cluster = {"kind": "local", **value}
        if not isinstance(cluster["kind"], str) or not cluster["kind"]:
            raise ConfigError.for_field(
                "cluster.kind", cluster["kind"], "must be the name of a cluster backend"
            )
        return cluster

    @model_validator(mode="after")
    def _check_limits(self) -> SweepConfig:
        """The size limits (:data:`MAX_SAMPLES`, :data:`MAX_DEPTH`, ...), from the spec alone."""
        check_limits(self)
        return self

    @model_validator(mode="after")
    def _check_names(self) -> SweepConfig:
        """Check signal groups and bank grids against the registries (no files, no banks)."""
        for index, group in enumerate(self.signals):
            _check_group(f"signals[{index}]", group, self.shape)
        for index, grid in enumerate(self.banks):
            _check_grid(f"banks[{index}]", grid)
            if grid.depth is not None and grid.depth > self.depth:
                raise ConfigError.for_field(
                    f"banks[{index}].depth",
                    grid.depth,
                    f"must be <= the sweep's depth ({self.depth})",
                )
            sampling = self.sampling if grid.sampling is None else grid.sampling
            if sampling == "critical" and self.ndim != 1:
                raise ConfigError.for_field(
                    f"banks[{index}].sampling" if grid.sampling is not None else "sampling",
                    sampling,
                    "must be exact on a 2-D grid (critical sampling is 1-D only)",
                )
            depth = self.depth if grid.depth is None else grid.depth
            budget = self.energy_budget if grid.energy_budget is None else grid.energy_budget
            if budget == 0 and depth > MAX_EXACT_DEPTH:
                raise ConfigError.for_field(
                    f"banks[{index}].depth" if grid.depth is not None else "depth",
                    depth,
                    f"must be <= {MAX_EXACT_DEPTH} for banks[{index}] with energy_budget = 0 "
                    "(an exact cascade keeps every path); give the entry a smaller depth or a "
                    "budget > 0",
                )
        return self

    @model_validator(mode="after")
    def _expand_file_patterns(self) -> SweepConfig:
        """Replace each ``files`` group by one ``path`` group per match, sorted (after the checks
        above, so their messages give the indices of the YAML)."""
        if any(group.files is not None for group in self.signals):
            expanded = [
                expanded_group
                for index, group in enumerate(self.signals)
                for expanded_group in expand_file_pattern(f"signals[{index}]", group)
            ]
            object.__setattr__(self, "signals", expanded)  # frozen: set once, while validating
            check_limits(self)
        return self

    def __eq__(self, other: object) -> bool:
        """Specs are equal when their fields are (the resolved plan is not compared)."""
        if not isinstance(other, SweepConfig):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]

    # ----------------------------------------------------------------------------------------
    # construction

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SweepConfig:
        """Validate a mapping (as read from YAML) into a spec, and resolve it.

        Raises
        ------
        ConfigError
            One line for the first problem found, naming its field path.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(
                f"config = {_short_repr(data)}: must be a mapping of the sweep's fields "
                f"({', '.join(['length', *cls.model_fields])})"
            )
        try:
            spec = cls.model_validate(dict(data))
        except ValidationError as error:
            raise config_error(error, allowed_keys()) from None
        spec.plan  # noqa: B018  (resolve now: files, parameter values, banks)
        return spec

    @classmethod
    def from_yaml(cls, text: str, source: str = "<text>") -> SweepConfig:
        """Validate and resolve YAML text (e.g. the ``config`` attribute of a store).

        Raises
        ------
        ConfigError
            On a YAML syntax error (with its line) or an invalid spec.
        """
        from .load import parse_yaml

        return cls.from_mapping(parse_yaml(text, source))

    # ----------------------------------------------------------------------------------------
    # the grid

    @property
    def ndim(self) -> int:
        """Number of grid dimensions (1 or 2)."""
        return len(self.shape)

    @property
    def length(self) -> int:
        """``N`` of a 1-D sweep.

        Raises
        ------
        InvalidParameterError
            For a 2-D sweep, which has a ``shape`` and no length.
        """
        if self.ndim != 1:
            raise InvalidParameterError("length", None, f"undefined for shape {list(self.shape)}")
        return self.shape[0]

    # ----------------------------------------------------------------------------------------
    # the resolved sweep

    @property
    def plan(self) -> SweepPlan:
        """The resolved sweep (:func:`pipeline.sweep.resolve`), made once on first use."""
        if self._plan is None:
            from .plan import resolve

            self._plan = resolve(self)
        return self._plan

    @property
    def n_signals(self) -> int:
        """Rows on the concatenated signal axis."""
        return self.plan.n_signals

    def bank_table(self) -> list[BankEntry]:
        """Every expanded bank, in order (:meth:`SweepPlan.bank_table`)."""
        return self.plan.bank_table()

    def bank_coords(self) -> dict[str, np.ndarray]:
        """Coordinates of the ``bank`` axis (:meth:`SweepPlan.bank_coords`)."""
        return self.plan.bank_coords()

    def signal_chunks(self) -> list[tuple[int, int]]:
        """``[start, stop)`` of each chunk along ``signal`` (:meth:`SweepPlan.signal_chunks`)."""
        return self.plan.signal_chunks()

    def work_units(self) -> list[WorkUnit]:
        """Every (bank, chunk) unit, bank-major (:meth:`SweepPlan.work_units`)."""
        return self.plan.work_units()

    def load_signals(self, start: int, stop: int) -> xr.DataArray:
        """Rows ``[start, stop)`` of the signal axis (:meth:`SweepPlan.load_signals`)."""
        return self.plan.load_signals(start, stop)

    def signal_coords(self) -> dict[str, np.ndarray]:
        """Every coordinate of the ``signal`` axis (:meth:`SweepPlan.signal_coords`)."""
        return self.plan.signal_coords()

    def canonical_text(self) -> str:
        """The resolved spec as YAML (:meth:`SweepPlan.canonical_text`)."""
        return self.plan.canonical_text()

    def computation_hash(self) -> str:
        """sha256 of what determines the numbers (:meth:`SweepPlan.computation_hash`)."""
        return self.plan.computation_hash()

    def unit_hash(self, unit: WorkUnit) -> int:
        """63-bit hash of what determines one unit's numbers (:meth:`SweepPlan.unit_hash`)."""
        return self.plan.unit_hash(unit)


def allowed_keys() -> dict[str, list[str]]:
    """Field names of the spec's models, for "unknown key" messages."""
    return {
        "": ["length", *SweepConfig.model_fields],
        "signals": list(SignalGroup.model_fields),
        "banks": list(BankGrid.model_fields),
    }


#: Most files a ``files`` pattern may match (each becomes a group of the plan).
MAX_PATTERN_FILES = 10_000


def expand_file_pattern(here: str, group: SignalGroup) -> list[SignalGroup]:
    """``[group]``, or for a ``files`` group one ``path`` group per match of its pattern, in
    sorted order, with the group's ``variable``.

    Raises
    ------
    ConfigError
        ``signals[1].files = '/data/*.npy': matches no file; ...``, or more than
        :data:`MAX_PATTERN_FILES` matches.

    Examples
    --------
    >>> expand_file_pattern("signals[0]", SignalGroup(kind="white_noise", seed=0))[0].kind
    'white_noise'
    """
    if group.files is None:
        return [group]
    import glob

    matches = sorted(glob.glob(group.files, recursive=True))
    if not matches:
        raise path_error(
            f"{here}.files",
            group.files,
            "matches no file; the pattern must match at least one signal file "
            "(relative patterns are relative to the config file's folder)",
        )
    if len(matches) > MAX_PATTERN_FILES:
        raise path_error(
            f"{here}.files",
            group.files,
            f"matches {len(matches)} files; at most {MAX_PATTERN_FILES} are allowed (gather rows "
            "into fewer files)",
        )
    return [SignalGroup(kind=FILE_KIND, path=match, variable=group.variable) for match in matches]


def _check_group(here: str, group: SignalGroup, shape: tuple[int, ...]) -> None:
    """Pure checks of one signal group: kind, fields of that kind, parameter names, dims."""
    if group.kind == FILE_KIND:
        if group.files is not None:
            for field, value in (("path", group.path), ("count", group.count)):
                if value is not None:
                    raise path_error(
                        f"{here}.{field}",
                        value,
                        "must be omitted when files is given (every row of every match is taken)",
                    )
        elif group.path is None:
            raise ConfigError.for_field(
                f"{here}.path", None, "is required for kind 'file' (or files: a glob pattern)"
            )
        for field, value in (("seed", group.seed), ("params", group.params or None)):
            if value is not None:
                raise ConfigError.for_field(
                    f"{here}.{field}", value, "must be omitted for kind 'file'"
                )
        return
    if group.kind not in signal_kinds():
        raise ConfigError.for_field(
            f"{here}.kind", group.kind, f"must be one of {', '.join([*signal_kinds(), FILE_KIND])}"
        )
    kind = signal_kind(group.kind)
    for field in ("path", "variable", "files"):
        if getattr(group, field) is not None:
            raise path_error(
                f"{here}.{field}", getattr(group, field), f"is only allowed for kind '{FILE_KIND}'"
            )
    if len(shape) not in kind.dims:
        able = [k for k in signal_kinds() if len(shape) in signal_kind(k).dims]
        raise ConfigError.for_field(
            f"{here}.kind",
            group.kind,
            f"supports grids of {' or '.join(map(str, kind.dims))} dimension(s), not shape "
            f"{list(shape)}; kinds for {len(shape)}-D: {', '.join([*able, FILE_KIND])}",
        )
    accepted = kind.parameters
    for name, value in group.params.items():
        if name not in accepted:
            hint = f" (set {here}.{name} instead)" if name in ("count", "seed") else ""
            raise ConfigError.for_field(
                f"{here}.params.{name}",
                value,
                f"is not a parameter of '{group.kind}'; allowed: "
                f"{', '.join(accepted) or 'none'}{hint}",
            )
    for name, default in accepted.items():
        if default is inspect.Parameter.empty and name not in group.params:
            raise ConfigError(
                f"{here}.params.{name}: is required by '{group.kind}' (allowed: "
                f"{', '.join(accepted)})",
                field=f"{here}.params.{name}",
            )
    if kind.random and group.seed is None:
        raise ConfigError.for_field(
            f"{here}.seed", None, f"is required by '{group.kind}' (a random kind): an integer >= 0"
        )
    if not kind.random and group.seed is not None:
        raise ConfigError.for_field(
            f"{here}.seed",
            group.seed,
            f"must be omitted for '{group.kind}' (a recorded signal, no randomness)",
        )


def _check_grid(here: str, grid: BankGrid) -> None:
    """Pure checks of one bank grid: the family and its parameter names."""
    known = families()
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
