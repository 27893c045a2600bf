"""The limits of what the project handles: dates, money, rule windows.

Kept apart from `analysis.io.schema` (which imports pandas and pandera) so that the
command line and the rules reader can check arguments before any heavy import.
"""

from __future__ import annotations

import datetime as dt

#: The dates this project handles. pandas represents 1677-09-22 to 2262-04-11 in
#: nanoseconds, and the engine adds windows (at most `MAX_RULE_DAYS`) to dates, so
#: every date in a history or on the command line must lie well inside that range.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2199, 12, 31)
#: Said of a date outside them.
DATE_RANGE_EXPECTED = (
    f"is outside the dates this project handles ({DATE_MIN.isoformat()} to {DATE_MAX.isoformat()})"
)
#: The longest window or look-back a rules file may set, in days (10 years).
MAX_RULE_DAYS = 3653
#: The largest money amount accepted (USD): sums over a year stay exact to the cent
#: in float64 and can never overflow.
MAX_USD = 1e12
LIMIT_EXPECTED = f"is too large (at most {MAX_USD:,.0f} in size is accepted)"
