"""The synthetic marketplace with planted truth (`toprated generate`).

- `generate`: the entry point: scenarios and knobs, the run, the files and `truth.json`,
  calibration against real figures;
- `world`: the weekly, vectorised simulation of freelancers, clients and contracts;
- `badges`: the project's own rules engine called inside the loop every simulated Sunday;
- `tables`: the history tables as the data contract lays them out;
- `defaults`: the default size, period, scenario and seed;
- `scenarios/*.toml`: every knob with its default and source.
"""
