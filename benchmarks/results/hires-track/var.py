"""Usage: var.py VARIANTS.py OUT.json WORLDS FIRST-LAST LIFTS  (e.g. v3.py r3.json today,ramp 2201-2206 1.0,1.25,1.5)

Generates each history once (cached in $HX_CACHE, default /tmp/hx/cache) with the
coverage benchmark's settings, builds the weekly panel once and fits every variant of
VARIANTS.py (a dict name -> function(panel) -> effect row) on it; one JSON row per
variant and history with the truth and the interval. $JOBS processes (default 2)."""
import sys, json, os, math, time, dataclasses, importlib.util
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/
CACHE = Path(os.environ.get('HX_CACHE', '/tmp/hx/cache'))

def task(args):
    vfile, world, seed, lift = args
    from bench_effects_coverage import WORLDS
    from analysis.io.load import read_history
    from analysis.simulate.generate import generate
    from analysis.estimate.effects import weekly_panel
    from analysis.engine.ruleset import load_rules
    spec = importlib.util.spec_from_file_location('variants', vfile); V = importlib.util.module_from_spec(spec); spec.loader.exec_module(V)
    overrides, keep = WORLDS[world]
    d = CACHE / f'{world}-{seed}-{lift}'
    if not (d / 'truth.json').exists():
        d.mkdir(parents=True, exist_ok=True)
        generate(str(d), freelancers=500, start='2022-01-01', end='2023-12-31', seed=seed,
                 overrides={**overrides, 'invitation_lift': lift}, progress=False)
    truth = json.load(open(d / 'truth.json'))['realised']['hires_lift']
    h = read_history(str(d))
    if not keep and h.activity is not None:
        h = dataclasses.replace(h, activity=h.activity.drop(columns=['status_shown'], errors='ignore'))
    panel = weekly_panel(h, load_rules('upwork-2025'))
    out = []
    for name, fn in V.VARIANTS.items():
        try:
            r = fn(panel).iloc[0]
            est, lo, hi = float(r['estimate']), float(r['ci_low']), float(r['ci_high'])
        except Exception as e:
            est = lo = hi = math.nan
        out.append(dict(variant=name, world=world, seed=seed, lift=lift, truth=truth, est=est, lo=lo, hi=hi))
    return out

if __name__ == '__main__':
    vfile, outf, worlds, seeds, lifts = sys.argv[1:6]
    seeds = range(int(seeds.split('-')[0]), int(seeds.split('-')[1]) + 1)
    tasks = [(vfile, w, s, float(l)) for s in seeds for w in worlds.split(',') for l in lifts.split(',')]
    rows = []
    with ProcessPoolExecutor(int(os.environ.get('JOBS', 2))) as ex:
        for r in ex.map(task, tasks):
            rows += r
            json.dump(rows, open(outf, 'w'))
    print('done', len(rows))
