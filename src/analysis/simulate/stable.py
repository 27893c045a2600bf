"""Transcendental math for the simulator whose results do not depend on the CPU.

Why: numpy computes ``exp``, ``log``, ``log1p``, ``expm1``, ``power`` and friends
with vectorised kernels chosen at run time for the CPU (AVX-512, AVX2, or the
baseline), and the kernels differ in the last bit or two of about 5% of their
results (measured on this project's machine: 46,000 of 10**6 ``np.exp`` results
change with ``NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"``). A
simulation takes random decisions on those values (a comparison with a uniform
draw, the mean of a Poisson draw, a rounding to cents, the ceiling of a number of
weeks), and one decision taken differently shifts every random number after it:
"same seed, same bytes" then holds on one machine only.

What: every function here computes the numpy result and rounds it to
`KEEP_BITS` bits of mantissa (`quantise`: a relative grid of 2**-24, about seven
significant digits, far finer than anything the model means). A last-bit
difference moves a result across a grid midpoint only with a probability of
about 2**-28 per value, so the values the simulator decides on are, in practice,
the same on every x86-64 CPU; values that are exact in mathematics (``exp(0)``,
``log1p(0)``, ``1.03 ** 1``) land on the same grid point everywhere.

All of `analysis.simulate` takes its transcendental math from here (a test
refuses ``np.exp``, ``math.log``, a float ``**`` and the like anywhere else in
the package), through the one indirection `raw`, which a test replaces by
functions perturbed by one ulp to show that the output bytes do not move.

Not covered: the random draws themselves (numpy's generators call the C
library's scalar ``log``/``exp`` inside ``gamma``, ``poisson``, ``binomial`` and
the normal tail); these do not depend on numpy's CPU dispatch.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

#: Bits of the 52-bit float64 mantissa kept by `quantise`.
KEEP_BITS = 24
_DROP = 52 - KEEP_BITS
_HALF = np.uint64(1 << (_DROP - 1))
_MASK = np.uint64(~((1 << _DROP) - 1) & 0xFFFF_FFFF_FFFF_FFFF)

#: The raw (CPU-dependent) functions behind this module's wrappers. Replace the
#: namespace (not its members in place) to perturb them, as the tests do.
raw = SimpleNamespace(
    exp=np.exp,
    log=np.log,
    log1p=np.log1p,
    expm1=np.expm1,
    power=np.power,
    cos=np.cos,
)


def quantise(x):
    """`x` (array or scalar) rounded to `KEEP_BITS` bits of mantissa, half away from zero.

    The rounding is integer arithmetic on the bit pattern, so it is exact and the
    same everywhere; infinities, NaN and zero are returned unchanged. Scalars
    come back as Python floats, arrays as float64 arrays.
    """
    scalar = np.ndim(x) == 0
    a = np.array(x, dtype=np.float64, ndmin=1)
    bits = a.view(np.uint64)
    rounded = ((bits + _HALF) & _MASK).view(np.float64)
    out = np.where(np.isfinite(a), rounded, a)
    return float(out[0]) if scalar else out


def exp(x):
    """``e ** x``, quantised."""
    return quantise(raw.exp(np.asarray(x, dtype=np.float64)))


def log(x):
    """Natural logarithm, quantised."""
    return quantise(raw.log(np.asarray(x, dtype=np.float64)))


def log1p(x):
    """``log(1 + x)``, quantised."""
    return quantise(raw.log1p(np.asarray(x, dtype=np.float64)))


def expm1(x):
    """``exp(x) - 1``, quantised."""
    return quantise(raw.expm1(np.asarray(x, dtype=np.float64)))


def power(base, exponent):
    """``base ** exponent`` for float exponents, quantised."""
    return quantise(
        raw.power(np.asarray(base, dtype=np.float64), np.asarray(exponent, dtype=np.float64))
    )


def cos(x):
    """Cosine, quantised."""
    return quantise(raw.cos(np.asarray(x, dtype=np.float64)))


def logistic(x):
    """``1 / (1 + exp(-x))``, quantised (the division is exact IEEE arithmetic)."""
    return quantise(1.0 / (1.0 + exp(-np.asarray(x, dtype=np.float64))))


def sqrt(x):
    """Square root: IEEE-exact on every CPU, so not quantised (here for completeness)."""
    return math.sqrt(x) if np.ndim(x) == 0 else np.sqrt(x)


__all__ = [
    "KEEP_BITS",
    "cos",
    "exp",
    "expm1",
    "log",
    "log1p",
    "logistic",
    "power",
    "quantise",
    "raw",
    "sqrt",
]
