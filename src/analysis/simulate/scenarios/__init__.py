"""Named scenarios of the synthetic marketplace: TOML files read by `analysis.simulate`."""
