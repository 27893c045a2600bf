"""The data contract in code: one declarative spec and one pandera schema per table.

`../shared/spec/data-contract.md` defines five tables. `TABLES` below restates
each column's type, whether it is required, its range and the sentence a person
reads when a value breaks it. `analysis.io.load` parses text into these types and
then validates the typed frame with the pandera schema built from the same spec,
so the contract lives in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

#: Accepted spellings of booleans (compared in lower case).
TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")

#: The pandas dtype each kind of column has once loaded.
DTYPES = {
    "text": "str",
    "date": "datetime64[s]",
    "number": "float64",
    "integer": "Int64",
    "boolean": "boolean",
    "choice": "category",
}

from analysis.io.limits import (  # noqa: E402,F401  (re-exported: the contract's limits)
    DATE_MAX,
    DATE_MIN,
    DATE_RANGE_EXPECTED,
    LIMIT_EXPECTED,
    MAX_RULE_DAYS,
    MAX_USD,
)

#: The message key of the one cross-column rule (end_date never before start_date).
END_BEFORE_START = "is before start_date"

#: Values of activity ``status_shown``: the statuses of `analysis.engine.status.STATUSES`
#: (restated here: io sits below engine in the layers).
SHOWN_STATUSES = ("none", "rising_talent", "top_rated", "top_rated_plus")

#: What a value of each kind must look like, said to a person.
KIND_EXPECTED = {
    "date": "is not a date in the form YYYY-MM-DD",
    "number": "is not a number",
    "integer": "is not an integer",
    "boolean": "is not a boolean (true/false, 1/0, yes/no)",
}


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    ``required``: the column must be in the file. ``nullable``: a row may leave it
    empty. ``default`` fills empty booleans (and the whole column when absent).
    ``dtype`` overrides the kind's default pandas dtype (e.g. ``Int8``).
    """

    name: str
    kind: str
    required: bool = False
    nullable: bool = True
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    default: object = None
    dtype: str | None = None
    expected: str | None = None
    #: Largest size (absolute value) of a number: money and hours are summed over
    #: windows, so a huge value (1e308) would overflow to infinity.
    limit: float | None = None

    @property
    def pandas_dtype(self) -> str:
        if self.kind == "boolean" and self.default is not None:
            return "bool"
        return self.dtype or DTYPES[self.kind]

    @property
    def range_expected(self) -> str:
        """The sentence for a value of the right type but outside the contract."""
        if self.expected:
            return self.expected
        if self.choices:
            return "is not one of " + ", ".join(self.choices)
        noun = "an integer" if self.kind == "integer" else "a number"
        if self.min is not None and self.max is not None:
            return f"is not {noun} from {_num(self.min)} to {_num(self.max)}"
        if self.min is not None:
            return f"is not {noun} >= {_num(self.min)}"
        return KIND_EXPECTED.get(self.kind, "is not valid")


def _num(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class Table:
    """One table (file) of the contract; ``key`` columns must be unique together."""

    name: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    monday_columns: tuple[str, ...] = field(default=())

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _id(name: str) -> Column:
    return Column(name, "text", required=True, nullable=False)


COUNT_COLUMNS = ("invitations", "proposals", "interviews", "hires", "profile_views")

TABLES: dict[str, Table] = {
    "contracts": Table(
        "contracts",
        required=True,
        key=("contract_id",),
        columns=(
            _id("freelancer_id"),
            _id("contract_id"),
            _id("client_id"),
            Column("start_date", "date", required=True, nullable=False),
            Column("end_date", "date"),
            Column("earnings_usd", "number", required=True, nullable=False, min=0, limit=MAX_USD),
            Column(
                "public_rating",
                "number",
                min=1.0,
                max=5.0,
                expected="is not a number from 1.0 to 5.0",
            ),
            Column("private_score", "integer", min=0, max=10, dtype="Int8"),
            Column("disputed", "boolean", default=False),
            Column("client_flagged", "boolean", default=False),
            Column("category", "text", dtype="category"),
            Column("contract_type", "choice", choices=("hourly", "fixed")),
            Column("hours", "number", min=0, limit=MAX_USD),
        ),
    ),
    "payments": Table(
        "payments",
        required=False,
        columns=(
            _id("freelancer_id"),
            _id("contract_id"),
            Column("paid_date", "date", required=True, nullable=False),
            Column("amount_usd", "number", required=True, nullable=False, limit=MAX_USD),
        ),
    ),
    "activity": Table(
        "activity",
        required=False,
        key=("freelancer_id", "week_start"),
        monday_columns=("week_start",),
        columns=(
            _id("freelancer_id"),
            Column("week_start", "date", required=True, nullable=False),
            *(Column(c, "integer", min=0) for c in COUNT_COLUMNS),
            Column("hours_worked", "number", min=0, limit=MAX_USD),
            # the badge the marketplace displayed that week (simulated histories;
            # empty where unknown), the engine's statuses
            Column("status_shown", "choice", choices=SHOWN_STATUSES),
        ),
    ),
    "freelancers": Table(
        "freelancers",
        required=False,
        key=("freelancer_id",),
        columns=(
            _id("freelancer_id"),
            Column("joined_date", "date"),
            Column("category", "text", dtype="category"),
            Column("country", "text", dtype="category"),
            Column("hourly_rate_usd", "number", min=0, limit=MAX_USD),
            Column("profile_complete", "boolean", default=True),
        ),
    ),
    "account_events": Table(
        "account_events",
        required=False,
        columns=(
            _id("freelancer_id"),
            Column("event_date", "date", required=True, nullable=False),
            Column(
                "event",
                "choice",
                required=True,
                nullable=False,
                choices=("hold_start", "hold_end", "tos_violation"),
            ),
        ),
    ),
}


def _column_checks(col: Column) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if col.choices:
        checks.append(pa.Check.isin(list(col.choices), error=col.range_expected))
    if col.min is not None and col.max is not None:
        checks.append(pa.Check.in_range(col.min, col.max, error=col.range_expected))
    elif col.min is not None:
        checks.append(pa.Check.ge(col.min, error=col.range_expected))
    if col.limit is not None:
        limit, low = col.limit, col.min if col.min is not None else -float("inf")
        checks.append(
            pa.Check(  # a value below the minimum is reported by the range check only
                lambda s: (s.abs() <= limit) | (s < low),
                element_wise=False,
                ignore_na=True,
                error=LIMIT_EXPECTED,
            )
        )
    if col.kind in ("number",):
        checks.append(
            pa.Check(
                lambda s: ~s.isin([float("inf"), float("-inf")]),
                element_wise=False,
                error="is not a finite number",
            )
        )
    return checks


def pandera_schema(table: Table) -> pa.DataFrameSchema:
    """The pandera schema that a typed frame of ``table`` must pass.

    Types are already enforced by parsing; this schema holds the ranges, choices,
    missing-value rules and the cross-column rule ``end_date >= start_date``.
    Extra columns are allowed (the contract keeps and ignores them).
    """
    columns = {
        c.name: pa.Column(
            nullable=c.nullable,
            required=c.required,
            checks=_column_checks(c),
            coerce=False,
        )
        for c in table.columns
    }
    for name in table.monday_columns:
        columns[name] = pa.Column(
            nullable=False,
            required=True,
            checks=[pa.Check(lambda s: s.dt.day_of_week == 0, error="is not a Monday")],
        )
    wide: list[pa.Check] = []
    if table.name == "contracts":
        wide.append(
            pa.Check(
                lambda d: (
                    d["end_date"].isna()
                    | d["start_date"].isna()
                    | (d["end_date"] >= d["start_date"])
                ),
                error=END_BEFORE_START,
                name="end_after_start",
            )
        )
    return pa.DataFrameSchema(columns, checks=wide, strict=False, name=table.name)


SCHEMAS: dict[str, pa.DataFrameSchema] = {name: pandera_schema(t) for name, t in TABLES.items()}


def empty_frame(table: str) -> pd.DataFrame:
    """A frame with no rows and the table's columns and dtypes."""
    spec = TABLES[table]
    return pd.DataFrame({c.name: pd.Series([], dtype=c.pandas_dtype) for c in spec.columns})
