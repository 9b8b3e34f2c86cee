r"""The FFT cascade: energies of the propagated signals and feature maps, layer by layer.

For a module-sequence with filter banks :math:`\Psi_n = \{\chi_n\} \cup \{g_\lambda\}` and the
modulus non-linearity (docs/theory.md §2),

.. math::
    U[\lambda]u = |u * g_\lambda|, \quad
    W_n = \sum_{|q| = n} \|U[q]f\|^2, \quad
    F_n = \sum_{|q| = n} \|U[q]f * \chi_{n+1}\|^2, \quad
    W_n = F_n + W_{n+1}\ \text{(Parseval banks)},

so :math:`\|f\|^2 = \sum_{n<N} F_n + W_N` (identity (E) of docs/theory.md §2). Energies come from
spectra by Parseval; only the modulus needs the signal domain.

Signals of shape (N,) or (N1, N2) go through the same code: every grid-dependent step (the
transforms, the real-FFT half-space, folding, point reflection) is asked of the bank's
:class:`pipeline.grid.Grid`.

How it is computed (docs/theory.md §2 and docs/design.md, "The computation in one paragraph"):

- live paths of many signals are stacked into blocks and transformed together (``scipy.fft``);
- after the first modulus every signal is real, so its spectrum is kept on the real-FFT
  half-space and of each mirror pair :math:`(g, g^-)`, :math:`\hat g^-(\omega) =
  \overline{\hat g(-\omega)}`, only one child is computed, with multiplicity 2 (exact:
  :math:`|u * g^-| = |u * g|` for real u);
- the tree is walked depth first, one block at a time, so memory grows with depth, not with the
  number of paths;
- a path whose energy e is pruned removes at most e from every deeper :math:`W_n` and
  :math:`F_n`; the cumulative pruned energy is reported as ``pruned_slack`` and bounds the error.

Modules: :mod:`.inputs` (argument checks), :mod:`.plan` (per-layer arrays on the spectral grid),
:mod:`.kernels` (energies, pruning, children), :mod:`.walk` (:func:`propagate`, the depth-first
walk), :mod:`.output` (the per-signal sums and the output Dataset with its attributes),
:mod:`.namespace` (torch, CuPy or any array-API input: the heavy work in its namespace and on its
device, the bookkeeping with numpy on the host).
"""

from .output import DROPPED_ENERGY, MODE_VARIABLE_ATTRS, SLACK_BOUND, VARIABLE_ATTRS
from .walk import BLOCK_SAMPLES, propagate

__all__ = [
    "BLOCK_SAMPLES",
    "DROPPED_ENERGY",
    "MODE_VARIABLE_ATTRS",
    "SLACK_BOUND",
    "VARIABLE_ATTRS",
    "propagate",
]
