"""toprated-analysis: JSS, badges and whether Top Rated is worth keeping."""

__version__ = "0.1.0"
