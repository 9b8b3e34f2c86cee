r"""The paper's theory, once: formulas as numpy kernels, labelled wrappers, and bank facts.

- :mod:`~pipeline.theory.kernels`: one numpy function per formula — window :math:`\hat r_l`,
  :math:`\alpha(d)`, bounds (A)/(B) as radial functionals, the §8 counts, the derived decay base,
  the band ratio, the essential bandwidth (docs/theory.md §3–§8);
- checked, labelled wrappers over them: bounds and bandwidths
  (:mod:`~pipeline.theory.spectral`), layer counts and Table I (:mod:`~pipeline.theory.layers`);
- :class:`BankFacts`: a bank's measured facts with one rule per hypothesis
  (:mod:`~pipeline.theory.bank_facts`), shared by ``plan``, ``fit`` and the report.

Constants recalled from the paper but not verified ([R]: the decay bases 5/3 and 3/2, the
admissible window order) are parameters with documented defaults; what docs/theory.md derives
([D]: :math:`a = (\rho+1)/(\rho-1)`, the layer-count algebra) is computed and tested.
"""

from .bank_facts import (
    BANK_VARIABLES,
    HYPOTHESIS_TOLERANCE,
    BankFacts,
    bank_facts,
    bank_facts_dataset,
)
from .layers import (
    TABLE_ENERGY_FRACTIONS,
    WAVELET_DECAY_BASE,
    WEYL_HEISENBERG_DECAY_BASE,
    WorstCaseLayers,
    empirical_layers_needed,
    layers_needed_exponential,
    layers_needed_general,
    layers_table,
    worst_case_layers,
)
from .spectral import (
    BANDWIDTH_TOLERANCE,
    RADIUS_DIM,
    bound_exponential,
    bound_general,
    radial_power_of,
    signal_bandwidth,
)
from .wrappers import alpha, band_ratio, decay_base_from_band_ratio, window_spectrum

__all__ = [
    "BANDWIDTH_TOLERANCE",
    "BANK_VARIABLES",
    "HYPOTHESIS_TOLERANCE",
    "RADIUS_DIM",
    "TABLE_ENERGY_FRACTIONS",
    "WAVELET_DECAY_BASE",
    "WEYL_HEISENBERG_DECAY_BASE",
    "BankFacts",
    "WorstCaseLayers",
    "alpha",
    "band_ratio",
    "bank_facts",
    "bank_facts_dataset",
    "bound_exponential",
    "bound_general",
    "decay_base_from_band_ratio",
    "empirical_layers_needed",
    "layers_needed_exponential",
    "layers_needed_general",
    "layers_table",
    "radial_power_of",
    "signal_bandwidth",
    "window_spectrum",
    "worst_case_layers",
]
