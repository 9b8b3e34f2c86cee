"""Build time of the 2-D banks on a 256 x 256 grid, beside Kymatio's ``Scattering2D`` filters.

Ours: every 2-D family at comparable sizes (J = 3 scales, L = 8 orientations where the family
has them), each built cold (the build cache cleared first), best of ``--repeats``; plus one
cached call. Kymatio 0.3 (if installed): the ``Scattering2D(J=3, shape=(256, 256), L=8)``
constructor (numpy frontend, which builds its Morlet filters on the padded grid) and its
``filter_bank(M, N, J, L)`` on the unpadded grid.

Run: ``python benchmarks/bank_build_2d.py [--size 256] [--repeats 3]`` (prints a table).
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable

from pipeline.filters import family_info, make_bank

#: (family, parameters) at J = 3, L = 8 where the family has those parameters.
BANKS: list[tuple[str, dict]] = [
    ("directional", {"scales": 3, "orientations": 8}),
    ("curvelet", {"scales": 3, "alpha": 0.5, "coarsest_wedges": 8}),
    ("ridgelet", {"scales": 3, "directions": 8}),
    ("shearlet", {"scales": 3}),
    ("weyl_heisenberg_2d", {"spacing": 1 / 8}),
    ("morlet_2d", {"scales": 3, "orientations": 8}),
]


def best_of(repeats: int, func: Callable[[], object], before: Callable[[], object]) -> float:
    """Smallest wall time of ``func`` over ``repeats`` runs, ``before`` run untimed each time."""
    times = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="grid side (default 256)")
    parser.add_argument("--repeats", type=int, default=3, help="best of (default 3)")
    args = parser.parse_args()
    shape = (args.size, args.size)
    print(f"| bank on {shape[0]}x{shape[1]} | filters | cold build [s] | cached call [s] |")
    print("|---|---|---|---|")
    for family, params in BANKS:
        builder = family_info(family).builder
        cold = best_of(
            args.repeats, lambda f=family, p=params: make_bank(f, shape, **p), builder.cache_clear
        )
        cached = best_of(
            args.repeats, lambda f=family, p=params: make_bank(f, shape, **p), lambda: None
        )
        count = make_bank(family, shape, **params).n_filters
        label = ", ".join(
            f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
        )
        print(f"| {family} ({label}) | {count} | {cold:.3f} | {cached:.2e} |")
    if importlib.util.find_spec("kymatio") is None:
        print("kymatio is not installed: no peer timings")
        return
    # kymatio.numpy imports the 3-D frontend too, which needs scipy.special.sph_harm (gone)
    from kymatio.scattering2d.filter_bank import filter_bank
    from kymatio.scattering2d.frontend.numpy_frontend import ScatteringNumPy2D as Scattering2D

    frontend = best_of(args.repeats, lambda: Scattering2D(J=3, shape=shape, L=8), lambda: None)
    bare = best_of(args.repeats, lambda: filter_bank(shape[0], shape[1], 3, L=8), lambda: None)
    print(
        f"| Kymatio Scattering2D(J=3, shape={shape}, L=8) constructor | 24 + 1 | {frontend:.3f} | - |"
    )
    print(f"| Kymatio filter_bank({shape[0]}, {shape[1]}, J=3, L=8) | 24 + 1 | {bare:.3f} | - |")


if __name__ == "__main__":
    main()
