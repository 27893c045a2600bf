"""Output written fast and streamed: Arrow conversion, Parquet settings, datasets part by part."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis.io.output import to_arrow

CATEGORIES = [
    pd.Categorical(["a", "b", None, "a"]),
    pd.Categorical([], categories=["x"]),
    pd.Categorical([None, None], categories=["x"]),
    pd.Categorical([]),
    pd.Categorical(["none", "top_rated"], categories=["none", "top_rated", "z"], ordered=True),
    pd.Categorical(["a", None], categories=pd.Index(["a"], dtype="str")),
    pd.Categorical([1, 2, None]),
    pd.Categorical([1.5, None]),
    pd.Categorical(pd.to_datetime(["2020-01-01", None])),
    pd.Categorical([True, False, None]),
]


@pytest.mark.parametrize("values", CATEGORIES, ids=range(len(CATEGORIES)))
def test_a_category_column_becomes_the_text_pandas_gives(values):
    s = pd.Series(values)
    expected = pa.array(s.astype("str"), from_pandas=True)
    got = to_arrow(pd.DataFrame({"x": s}))["x"].combine_chunks()
    assert got.type == expected.type
    assert got.equals(expected)


def test_a_long_category_column_converts_quickly_and_exactly():
    codes = np.random.default_rng(0).integers(-1, 3, 200_000)
    s = pd.Series(pd.Categorical.from_codes(codes, categories=["p", "q", "r"]))
    got = to_arrow(pd.DataFrame({"x": s}))["x"]
    assert got.to_pylist() == [None if c < 0 else "pqr"[c] for c in codes]
