from analysis.estimate import effects as E
import numpy as np, pandas as pd
import importlib.util, pathlib
spec = importlib.util.spec_from_file_location('v5', str(pathlib.Path(__file__).with_name('v5.py'))); v5 = importlib.util.module_from_spec(spec); spec.loader.exec_module(v5)
def mk(ref_cols=(), fixed=E.HIRES_FIXED, ref=-13):
    def f(p):
        levels = tuple(c for c in E.LEVEL_CONTROLS if E._has_values(p, c) is None)
        p = p.assign(**{f"{c}_before": E.mean_before(p, c) for c in levels})
        controls = tuple(f"{c}_before" for c in levels)
        if ref_cols:
            p = v5.held_at(p, ref_cols, ref)
        return E.badge_lift(p, "hires", "gain", E.POOLED_WINDOW, 400, 0, exposure=controls,
            fixed=fixed, skip_lead=True, hold=controls + ("jobs_before",), name="hires_lift")
    return f
VARIANTS = {'hJ': mk(), 'R13': mk(("hires_12w",)), 'RW13': mk(("hires_12w", "open_contracts")),
            'noR': mk(fixed=E.HIRES_FIXED.replace(" + recent_bin", ""))}
