"""Counter-based random numbers: each draw is a function of its key, not of a stream position.

Why: ``toprated generate`` runs every world twice, once as written and once with
every badge effect switched off (the counterfactual of `analysis.simulate.world`),
and the realised truth is the difference between the two runs on the same
freelancer-weeks. For that difference to be the badge's effect and not noise, both
runs must use the *same random numbers* for the same decision. A sequential
generator cannot give that: as soon as one freelancer gets one more offer in one
run, every later draw shifts. Here a uniform is a hash of
``(seed, purpose, freelancer, week, slot, draw)``, so a decision's random number
does not depend on how many draws came before it.

What:

- `Keyed(seed, purpose)`; ``.at(fid, week)`` gives a `Draws` for those
  freelancer-weeks (arrays of equal length, or a scalar week); ``.sub(slot)``
  derives keys for the k-th offer of a freelancer-week and ``.rows(row, j)`` for
  the j-th week of a contract.
- `Draws` methods are named like numpy's (``random``, ``standard_normal``,
  ``integers``) so model code reads the same; each call takes the next *draw
  number*, so the n-th call in a function always gets the same numbers in both runs.
- Counts are drawn by inversion of their distribution function at one uniform
  (``poisson``, ``binomial``, ``negative_binomial``, ``gamma_int``): a larger mean
  gives a count at least as large from the same uniform (a monotone coupling), so
  a badge that raises a mean raises the count, never reshuffles it.

The hash is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied once per key
part; integer arithmetic, so the numbers are the same on every CPU. Inversion
uses a recurrence of multiplications (exact IEEE arithmetic) from the
probability of 0 (from `analysis.simulate.stable`); for the rare large means
(Poisson mean >= `LARGE_MEAN`) it uses scipy's inverse of the regularised
incomplete gamma function, as ``scipy.stats.poisson.ppf`` does.
"""

from __future__ import annotations

import numpy as np

from analysis.simulate import stable

_U64 = np.uint64
_C1 = _U64(0xBF58476D1CE4E5B9)
_C2 = _U64(0x94D049BB133111EB)
_GOLD = _U64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = _U64(30), _U64(27), _U64(31), _U64(11)
_MASK = (1 << 64) - 1
#: Poisson means from which the inversion uses scipy instead of the recurrence.
LARGE_MEAN = 30.0
#: Binomial trial counts from which the inversion uses scipy instead of the recurrence.
LARGE_TRIALS = 600


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic)."""
    x = x ^ (x >> _S30)
    x = x * _C1
    x = x ^ (x >> _S27)
    x = x * _C2
    return x ^ (x >> _S31)


def _scalar_mix(x: int) -> int:
    x &= _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _u64(a) -> np.ndarray:
    return np.atleast_1d(np.asarray(a, dtype=np.int64)).astype(_U64)


def _uniform(h: np.ndarray) -> np.ndarray:
    """Uniforms in (0, 1) from 64-bit hashes (53 bits, never 0 or 1)."""
    return ((h >> _S11).astype(np.float64) + 0.5) * 1.1102230246251565e-16  # 2 ** -53


class Keyed:
    """The random numbers of one purpose of one simulation (`seed`, `purpose`)."""

    def __init__(self, seed: int, purpose: int):
        self.base = _scalar_mix(_scalar_mix(int(seed) * 0x9E3779B97F4A7C15 + 1) + int(purpose))

    def at(self, fid, week) -> Draws:
        """Draws keyed by freelancer `fid` (array) and `week` (array or scalar)."""
        fid = _u64(fid)
        week = _u64(week)
        return Draws(_mix((fid << _U64(20)) ^ week ^ _U64(self.base)))


class Draws:
    """Random numbers for a set of keys; the n-th call returns the n-th draw of each key."""

    def __init__(self, keys: np.ndarray):
        self.keys = keys
        self.count = 0

    def __len__(self) -> int:
        return len(self.keys)

    def _next(self, keys=None) -> np.ndarray:
        self.count += 1
        k = self.keys if keys is None else keys
        return _uniform(_mix(k + _U64((self.count * 0x9E3779B97F4A7C15) & _MASK)))

    def take(self, index, slot) -> Draws:
        """Draws for items: the `slot`-th item of key `index` (arrays of equal length)."""
        keys = _mix(self.keys[np.asarray(index, dtype=np.int64)] ^ _mix(_u64(slot) + _GOLD))
        return Draws(keys)

    # -- continuous --------------------------------------------------------------

    def random(self, size=None) -> np.ndarray:
        """Uniforms in (0, 1); `size` is ignored (it is always one per key)."""
        return self._next()

    def standard_normal(self, size=None) -> np.ndarray:
        """Standard normals (Box-Muller on two uniforms)."""
        u1 = self._next()
        u2 = self._next()
        return stable.sqrt(-2.0 * stable.log(u1)) * stable.cos(2.0 * np.pi * u2)

    def integers(self, low, high, size=None) -> np.ndarray:
        """Integers from `low` to `high` - 1 (arrays or scalars)."""
        u = self._next()
        span = np.asarray(high, dtype=np.int64) - np.asarray(low, dtype=np.int64)
        return (np.asarray(low, dtype=np.int64) + np.floor(u * span).astype(np.int64)).astype(
            np.int64
        )

    def gamma_int(self, shape: int, scale) -> np.ndarray:
        """Gamma with a whole-number `shape` (a sum of `shape` exponentials) times `scale`."""
        total = np.zeros(len(self.keys))
        for _ in range(int(shape)):
            total -= stable.log(self._next())
        return total * scale

    def gamma(self, shape: float, scale) -> np.ndarray:
        """Gamma(`shape`, `scale`): exact sums of exponentials for whole shapes, else
        scipy's inverse incomplete gamma function."""
        if float(shape).is_integer():
            return self.gamma_int(int(shape), scale)
        from scipy.special import gammaincinv

        return stable.quantise(gammaincinv(float(shape), self._next())) * scale

    # -- counts ---------------------------------------------------------------------

    def poisson(self, mean) -> np.ndarray:
        """Poisson counts with the given means, by inversion."""
        mean = np.broadcast_to(np.asarray(mean, dtype=np.float64), len(self.keys))
        return poisson_inverse(mean, self._next())

    def negative_binomial(self, mean, shape: float) -> np.ndarray:
        """Negative-binomial counts (Poisson-gamma) with gamma `shape`; Poisson when
        `shape` <= 0."""
        mean = np.asarray(mean, dtype=np.float64)
        if shape <= 0:
            return self.poisson(mean)
        g = self.gamma(shape, 1.0 / shape)
        return self.poisson(mean * g)

    def binomial(self, n, p) -> np.ndarray:
        """Binomial(`n`, `p`) counts by inversion (`p` is clipped to [0, 1])."""
        size = len(self.keys)
        return binomial_inverse(
            np.broadcast_to(np.asarray(n, dtype=np.int64), size),
            np.broadcast_to(np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0), size),
            self._next(),
        )


def _invert(u, p0, step, limit):
    """Smallest k with cdf(k) >= u, walking pmf(k+1) = pmf(k) * step(k, i) from pmf(0) = p0.

    `step(k, i)` gives the ratio for the elements `i` still walking; an element
    stops at `limit[i]` whatever its cdf (rounding can leave the cdf a hair below u).
    """
    out = np.zeros(len(u), dtype=np.int64)
    i = np.flatnonzero(u > p0)
    p = p0[i]
    c = p0[i]
    ui = u[i]
    lim = limit[i]
    k = 0
    while len(i):
        p = p * step(k, i)
        k += 1
        c = c + p
        done = (ui <= c) | (k >= lim)
        if done.any():
            out[i[done]] = k
            keep = ~done
            i, p, c, ui, lim = i[keep], p[keep], c[keep], ui[keep], lim[keep]
    return out


def poisson_inverse(mean: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The Poisson(`mean`) quantile at `u` (element-wise)."""
    mean = np.maximum(mean, 0.0)
    out = np.zeros(len(mean), dtype=np.int64)
    big = mean >= LARGE_MEAN
    small = ~big
    if small.any():
        m = mean[small]
        limit = np.full(len(m), 400, dtype=np.int64)
        out[small] = _invert(u[small], stable.exp(-m), lambda k, i: m[i] / (k + 1), limit)
    if big.any():
        from scipy.special import pdtr, pdtrik

        m, q = mean[big], u[big]
        vals = np.ceil(pdtrik(q, m))
        lower = np.maximum(vals - 1, 0)
        out[big] = np.where(pdtr(lower, m) >= q, lower, vals).astype(np.int64)
    return out


def binomial_inverse(n: np.ndarray, p: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The Binomial(`n`, `p`) quantile at `u` (element-wise); monotone in `n` and `p`."""
    n = np.maximum(n, 0)
    out = np.where(p >= 1.0, n, 0).astype(np.int64)
    # for p > 1/2 count failures: k = n - F^-1(1 - u; n, 1 - p) keeps k rising in u
    flip = p > 0.5
    q = np.where(flip, 1.0 - p, p)
    v = np.where(flip, 1.0 - u, u)
    live = (n > 0) & (p > 0.0) & (p < 1.0)
    small = live & (n < LARGE_TRIALS)
    big = live & ~small
    if small.any():
        nn, qq = n[small], q[small]
        ratio = qq / (1.0 - qq)
        p0 = stable.power(1.0 - qq, nn.astype(np.float64))
        # with v in (0, 1) a flipped draw needs the largest k with cdf(k - 1) < v
        # from the other side; inversion of the failures at 1 - u gives it up to ties
        k = _invert(v[small], p0, lambda k, i: (nn[i] - k) / (k + 1.0) * ratio[i], nn)
        out[small] = np.where(flip[small], nn - k, k)
    if big.any():
        from scipy.special import bdtr, bdtrik

        nn, qq, vv = n[big], q[big], v[big]
        vals = np.ceil(bdtrik(vv, nn, qq))
        vals = np.clip(np.nan_to_num(vals, nan=0.0), 0, nn)
        lower = np.maximum(vals - 1, 0)
        k = np.where(bdtr(lower, nn, qq) >= vv, lower, vals).astype(np.int64)
        out[big] = np.where(flip[big], nn - k, k)
    return out
