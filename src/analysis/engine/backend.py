"""Which engine path computes a grid: the compiled kernels or the numpy reference.

Both give identical frames (`tests/test_kernels.py`), so the choice is only about
time. The kernels (`analysis.engine.kernels`, numba) are several times faster per
contract, but a process pays to use them before the first row: importing numba
and loading the cached machine code (about 0.7 s), and, on a machine whose numba
cache is empty (a fresh clone), compiling them (about 13 s of CPU for the JSS and
status kernels). The numpy reference pays nothing up front and about 2.5 µs per
contract for a JSS and status grid. So ``"auto"``, every entry point's default,
takes the kernels from `AUTO_NUMBA_CONTRACTS` contracts up and numpy below: the
bundled sample (36,000 contracts), a freelancer's own export and every report
build never import numba, while a large history (the benchmarks' 4 million
contracts) runs on the kernels.
"""

from __future__ import annotations

#: The names a ``backend`` argument takes.
BACKENDS = ("auto", "numba", "numpy")

#: From this many contracts (rows of the input) up, ``"auto"`` takes the kernels: the
#: numpy reference's extra time per contract (about 2.5 µs for the JSS and status
#: grids, measured on `benchmarks/synthetic.py` histories) passes the kernels'
#: start-up cost (about 0.7 s with a warm cache) near 300,000 contracts.
AUTO_NUMBA_CONTRACTS = 250_000


def resolve_backend(backend: str, contracts: int) -> str:
    """``"numba"`` or ``"numpy"``: `backend` itself, or for ``"auto"`` the faster
    one for an input of `contracts` rows. Any other name is refused."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend != "auto":
        return backend
    return "numba" if contracts >= AUTO_NUMBA_CONTRACTS else "numpy"
