"""The simulator's default size, period, scenario and seed.

Kept apart from `analysis.simulate.generate` so that the command line can show them
in its help without importing pandas.
"""

DEFAULT_SCENARIO = "baseline"
DEFAULT_FREELANCERS = 5000
DEFAULT_START = "2019-01-01"
DEFAULT_END = "2025-12-31"
DEFAULT_SEED = 20250101
