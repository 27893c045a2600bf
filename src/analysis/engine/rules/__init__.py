"""Rule sets as data: TOML files read by one engine (see `analysis.engine.ruleset`)."""
