r"""``energy-sweep plan``: how many layers keep :math:`(1-\varepsilon)` of the energy.

- :mod:`~pipeline.planning.plan`: :func:`plan_layers`, the worst case and, with a store, the
  empirical counts (library: data in, a Dataset out);
- :mod:`~pipeline.planning.worst_case`: the bank's facts and the §8 counts as a Dataset;
- :mod:`~pipeline.planning.from_store`: L and the empirical counts read from a store;
- :mod:`~pipeline.planning.summary`: :func:`summarise`, one row per epsilon as data;
- :mod:`~pipeline.planning.text`: the CLI's strings (``parse_params``, ``format_count``,
  ``plan_header``).
"""

from ._inputs import check_shape, parse_epsilons
from .plan import DEFAULT_LENGTH, DEFAULT_SHAPE_2D, plan_layers
from .summary import summarise
from .text import format_count, parse_params, plan_header

__all__ = [
    "DEFAULT_LENGTH",
    "DEFAULT_SHAPE_2D",
    "check_shape",
    "format_count",
    "parse_epsilons",
    "parse_params",
    "plan_header",
    "plan_layers",
    "summarise",
]
