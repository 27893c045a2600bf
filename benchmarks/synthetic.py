"""A fast, seeded generator of large random histories for benchmarks (numpy only).

`synthetic_history(n_freelancers, seed)` returns a `History` whose contracts table
has the exact dtypes of `analysis.io.history` and about `contracts_per_freelancer`
contracts per freelancer between 2020-01-01 and 2025-12-31 (100,000 freelancers
-> about 4 million contracts in a few seconds). Rows are made in blocks of
freelancers (bounded temporaries) and ids are fixed-width text built straight into
Arrow buffers, so no Python object is made per row and a million freelancers
(40 million contracts) fit in a few GiB.

The data are plausible, not realistic: each freelancer joins at a random date,
works for a few repeat clients, contracts last about six weeks (8% from three
months to two and a half years), earnings are log-normal (3% are $0), most clients
leave good feedback, 1% dispute, 1% are flagged, and contracts still running on
2025-12-31 are open.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.io.history import History

FIRST_DAY = np.datetime64("2020-01-01", "D")
AS_OF = np.datetime64("2025-12-31", "D")
CATEGORIES = ["design", "writing", "engineering-architecture", "sales-marketing", "web-dev"]
_BLOCK = 50_000  # freelancers per generated block


def fixed_width_ids(
    prefix: str, numbers: np.ndarray, width: int
) -> pd.api.extensions.ExtensionArray:
    """``prefix`` + zero-padded `numbers` as a pandas "str" array, built without Python strings."""
    n = len(numbers)
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    chars = np.empty((n, len(head) + width), dtype=np.uint8)
    chars[:, : len(head)] = head
    x = np.asarray(numbers, dtype=np.int64).copy()
    for i in range(len(head) + width - 1, len(head) - 1, -1):
        chars[:, i] = 48 + x % 10
        x //= 10
    del x
    offsets = np.arange(n + 1, dtype=np.int64) * chars.shape[1]
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))
    return pd.array(arr, dtype="str")


def _block(rng: np.random.Generator, first: int, count: int, per_freelancer: float) -> dict:
    """Numeric columns of freelancers first..first+count-1."""
    span = int((AS_OF - FIRST_DAY).astype(int))
    per = np.maximum(1, rng.poisson(per_freelancer, count)).astype(np.int64)
    n = int(per.sum())
    owner = np.repeat(np.arange(count, dtype=np.int64), per)
    joined = rng.integers(0, span - 60, count)
    # starts spread from the join date to the as-of date, sorted within a freelancer
    start = joined[owner] + (rng.random(n) * (span - joined[owner])).astype(np.int64)
    start = np.sort(start + owner * (span + 1)) - owner * (span + 1)
    long_term = rng.random(n) < 0.08
    length = np.where(
        long_term, rng.integers(91, 900, n), rng.exponential(45.0, n).astype(np.int64)
    )
    end = start + length
    is_open = end > span
    n_clients = np.maximum(1, per // 3)
    client = (owner + first) * 100 + (rng.random(n) * n_clients[owner]).astype(np.int64)

    earnings = np.round(rng.lognormal(6.0, 1.3, n), 2)
    earnings[rng.random(n) < 0.03] = 0.0
    u = rng.random(n)
    public = np.select(
        [u < 0.55, u < 0.72, u < 0.80, u < 0.85, u < 0.90],
        [5.0, 4.8, 4.5, 4.2, 3.0],
        default=np.nan,
    )
    public[is_open] = np.nan
    ends = (FIRST_DAY + end.astype("timedelta64[D]")).astype("datetime64[s]")
    ends[is_open] = np.datetime64("NaT")
    return {
        "owner": (owner + first).astype(np.int32),
        "client": client,
        "start_date": (FIRST_DAY + start.astype("timedelta64[D]")).astype("datetime64[s]"),
        "end_date": ends,
        "earnings_usd": earnings,
        "public_rating": public,
        "private_score": np.clip(np.round(rng.normal(9.0, 1.6, n)), 0, 10).astype(np.int8),
        "no_private": (rng.random(n) < 0.3) | is_open,
        "disputed": rng.random(n) < 0.01,
        "client_flagged": rng.random(n) < 0.01,
        "category": rng.integers(0, len(CATEGORIES), n).astype(np.int8),
        "contract_type": (rng.random(n) < 0.6).astype(np.int8),
        "hours": np.where(rng.random(n) < 0.6, np.round(earnings / 40.0, 1), np.nan),
    }


def synthetic_contracts(
    n_freelancers: int, seed: int = 0, contracts_per_freelancer: float = 40.0
) -> pd.DataFrame:
    """The contracts table of `synthetic_history` (sorted by freelancer, then start)."""
    blocks = [
        _block(np.random.default_rng([seed, b]), first, min(_BLOCK, n_freelancers - first),
               contracts_per_freelancer)
        for b, first in enumerate(range(0, n_freelancers, _BLOCK))
    ]  # fmt: skip
    cols = {}
    for key in list(blocks[0]):
        cols[key] = np.concatenate([blk.pop(key) for blk in blocks])
    del blocks
    n = len(cols["owner"])
    digits = len(str(max(n_freelancers - 1, 1)))
    data = {
        "freelancer_id": fixed_width_ids("f", cols.pop("owner"), digits),
        "contract_id": fixed_width_ids("c", np.arange(n), len(str(max(n - 1, 1)))),
        "client_id": fixed_width_ids("k", cols.pop("client"), digits + 2),
    }
    for key in ("start_date", "end_date", "earnings_usd", "public_rating"):
        data[key] = cols.pop(key)
    data["private_score"] = pd.arrays.IntegerArray(
        cols.pop("private_score"), cols.pop("no_private")
    )
    data["disputed"] = cols.pop("disputed")
    data["client_flagged"] = cols.pop("client_flagged")
    data["category"] = pd.Categorical.from_codes(cols.pop("category"), categories=CATEGORIES)
    data["contract_type"] = pd.Categorical.from_codes(
        cols.pop("contract_type"), categories=["fixed", "hourly"]
    )
    data["hours"] = cols.pop("hours")
    return pd.DataFrame(data, copy=False)


def synthetic_history(
    n_freelancers: int, seed: int = 0, contracts_per_freelancer: float = 40.0
) -> History:
    """A random History of `n_freelancers` (contracts only), seeded."""
    return History(
        contracts=synthetic_contracts(n_freelancers, seed, contracts_per_freelancer),
        source=f"<synthetic n={n_freelancers} seed={seed}>",
    )
