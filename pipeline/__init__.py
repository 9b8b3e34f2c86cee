"""energy-sweep: energy propagation in deep scattering-type networks.

Implements and tests, at scale, Wiatowski, Grohs & Bölcskei, "Energy propagation in deep
convolutional neural networks", IEEE Trans. Inf. Theory 64(7):4819-4842, 2018
(DOI 10.1109/TIT.2017.2756880, arXiv 1704.03636). The maths is in docs/theory.md.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("energy-sweep")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

PAPER_REFERENCE = (
    "T. Wiatowski, P. Grohs, H. Bölcskei, Energy propagation in deep convolutional neural "
    "networks, IEEE Trans. Inf. Theory 64(7):4819-4842, 2018, doi:10.1109/TIT.2017.2756880"
)

__all__ = ["PAPER_REFERENCE", "__version__"]
