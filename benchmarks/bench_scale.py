"""Scaling table: the pandas engine and the Dask engine from 10k to 1M freelancers.

For each size, a synthetic history (`synthetic.synthetic_history`, about 40
contracts a freelancer) is written once as a Parquet dataset partitioned by
freelancer (`analysis.io.dataset.write_dataset`; kept under ``--data`` and reused).
Then each engine runs in its own subprocess, so its memory is measured alone:

- ``pandas``: ``read_history(dataset)`` (all parts into one History), then the JSS
  grid streamed to one Parquet file (`iter_jss_grid`), then the status grid
  streamed likewise (`iter_status_grid`); grid and write time are told apart.
- ``dask``: a `distributed.LocalCluster` (one single-threaded worker process per
  core), then ``run_dask("jss", dataset, out=DIR/)`` and ``run_dask("status", ...)``
  with partitioned Parquet output (each task reads its part, runs the pandas
  engine, writes its part). Read/compute/write are the tasks' summed seconds.

Peak memory is the peak of the summed RSS of the subprocess and all its children
(the Dask workers), sampled every 0.2 s with psutil. Prints a table and writes
JSON to ``benchmarks/results/``. Timings on a shared machine are noisy.

    .venv/bin/python benchmarks/bench_scale.py                           # 10k and 100k
    .venv/bin/python benchmarks/bench_scale.py --sizes 1000000           # 1M (many minutes)
    .venv/bin/python benchmarks/bench_scale.py --sizes 100000 --engines dask --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))


# --------------------------------------------------------------------------- memory


class PeakRSS:
    """Samples the RSS of this process plus all its descendants; keeps the peak."""

    def __init__(self, every: float = 0.2):
        import psutil

        self._proc = psutil.Process()
        self._every = every
        self._stop = threading.Event()
        self.peak = 0
        self.phase_peak = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        import psutil

        total = 0
        for p in [self._proc, *self._proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        self.peak = max(self.peak, total)
        self.phase_peak = max(self.phase_peak, total)
        return total

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self.sample()

    def phase(self) -> float:
        """Peak GiB since the last call (then starts a new phase)."""
        self.sample()
        out, self.phase_peak = self.phase_peak / 2**30, 0
        return out

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


# --------------------------------------------------------------------------- one configuration


def make_dataset(n: int, seed: int, path: Path) -> dict:
    from synthetic import synthetic_history

    from analysis.io.dataset import write_dataset

    t0 = time.perf_counter()
    history = synthetic_history(n, seed=seed)
    contracts = len(history.contracts)
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    parts = write_dataset(history, path)
    return {
        "freelancers": n,
        "contracts": contracts,
        "parts": parts,
        "generate_s": gen_s,
        "write_dataset_s": time.perf_counter() - t0,
    }


def _stream(frames, path: Path) -> tuple[int, float, float]:
    """Write frames to one Parquet file; returns rows, seconds computing, seconds writing."""
    import pyarrow.parquet as pq

    from analysis.io.output import to_arrow

    rows, grid_s, write_s, writer = 0, 0.0, 0.0, None
    it = iter(frames)
    while True:
        t0 = time.perf_counter()
        frame = next(it, None)
        t1 = time.perf_counter()
        grid_s += t1 - t0
        if frame is None:
            break
        table = to_arrow(frame)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        rows += len(frame)
        del frame, table
        write_s += time.perf_counter() - t1
    if writer is not None:
        t1 = time.perf_counter()
        writer.close()
        write_s += time.perf_counter() - t1
    return rows, grid_s, write_s


def run_pandas(dataset: Path, out: Path, rules, mem: PeakRSS) -> dict:
    from analysis.engine.jss import iter_jss_grid
    from analysis.engine.status import iter_status_grid
    from analysis.io.load import read_history

    r: dict = {}
    mem.phase()
    t0 = time.perf_counter()
    history = read_history(dataset)
    r["read_s"] = time.perf_counter() - t0
    r["read_peak_gib"] = mem.phase()
    gc.collect()
    t0 = time.perf_counter()
    rows, grid_s, write_s = _stream(iter_jss_grid(history, rules), out / "jss.parquet")
    r.update(jss_rows=rows, jss_grid_s=grid_s, jss_write_s=write_s)
    r["jss_wall_s"] = time.perf_counter() - t0
    r["jss_peak_gib"] = mem.phase()
    gc.collect()
    t0 = time.perf_counter()
    rows, grid_s, write_s = _stream(iter_status_grid(history, rules), out / "status.parquet")
    r.update(status_rows=rows, status_grid_s=grid_s, status_write_s=write_s)
    r["status_wall_s"] = time.perf_counter() - t0
    r["status_peak_gib"] = mem.phase()
    # a CLI job reads the history then computes one grid
    r["jss_job_s"] = r["read_s"] + r["jss_wall_s"]
    r["status_job_s"] = r["read_s"] + r["status_wall_s"]
    return r


def run_dask_engine(dataset: Path, out: Path, rules, mem: PeakRSS, workers: int) -> dict:
    from analysis.engine.dask import dask_client, run_dask

    r: dict = {"workers": workers}
    mem.phase()
    t0 = time.perf_counter()
    with dask_client(None, n_workers=workers) as client:
        r["cluster_start_s"] = time.perf_counter() - t0
        for kind in ("jss", "status"):
            mem.phase()
            st = run_dask(kind, dataset, rules, out=f"{out / kind}/", client=client)
            r[f"{kind}_parts"] = st.parts
            r[f"{kind}_rows"] = st.rows
            r[f"{kind}_job_s"] = st.seconds
            r[f"{kind}_task_read_s"] = st.read_s
            r[f"{kind}_task_compute_s"] = st.compute_s
            r[f"{kind}_task_write_s"] = st.write_s
            r[f"{kind}_peak_gib"] = mem.phase()
    return r


def child(args) -> int:
    from analysis.engine.ruleset import load_rules

    rules = load_rules(args.rules)
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        if args.engine == "pandas":
            r = run_pandas(Path(args.dataset), out, rules, mem)
        else:
            r = run_dask_engine(Path(args.dataset), out, rules, mem, args.workers)
        r["wall_s"] = time.perf_counter() - t0
    r["peak_gib"] = mem.peak / 2**30
    r["output_bytes"] = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    shutil.rmtree(out, ignore_errors=True)
    print("RESULT " + json.dumps(r), flush=True)
    return 0


# --------------------------------------------------------------------------- the table


def _sub(argv: list[str], log) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), *argv]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=log, text=True, check=False)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def render(rows: list[dict]) -> str:
    head = (
        f"{'freelancers':>11} {'engine':>6} {'read s':>7} {'jss s':>7} {'status s':>8} "
        f"{'write s':>7} {'jss job':>7} {'status job':>10} {'us/fl':>6} {'peak GiB':>8}"
    )
    out = [head, "-" * len(head)]
    for r in rows:
        if r["engine"] == "pandas":
            read, jss, status = r["read_s"], r["jss_grid_s"], r["status_grid_s"]
            write = r["jss_write_s"] + r["status_write_s"]
        else:  # summed over tasks (worker-seconds), not wall time
            read = r["jss_task_read_s"] + r["status_task_read_s"]
            jss, status = r["jss_task_compute_s"], r["status_task_compute_s"]
            write = r["jss_task_write_s"] + r["status_task_write_s"]
        per = (r["jss_job_s"] + r["status_job_s"]) / r["freelancers"] * 1e6
        out.append(
            f"{r['freelancers']:>11,} {r['engine']:>6} {read:>7.1f} {jss:>7.1f} {status:>8.1f} "
            f"{write:>7.1f} {r['jss_job_s']:>7.1f} {r['status_job_s']:>10.1f} {per:>6.0f} "
            f"{r['peak_gib']:>8.2f}"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--engines", nargs="+", default=["pandas", "dask"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rules", default="upwork-2025")
    parser.add_argument("--workers", type=int, default=0, help="Dask workers (0 = one per core)")
    parser.add_argument(
        "--data", default="/tmp/toprated-bench-scale", help="datasets (kept) and outputs"
    )
    parser.add_argument("--child", choices=["pandas", "dask"], help=argparse.SUPPRESS)
    parser.add_argument("--make-dataset", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.make_dataset:
        r = make_dataset(args.make_dataset, args.seed, Path(args.dataset))
        print("RESULT " + json.dumps(r), flush=True)
        return 0
    if args.child:
        args.engine = args.child
        return child(args)

    from analysis.engine.dask import machine_cores
    from analysis.io.dataset import dataset_info

    workers = args.workers or machine_cores()
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    log = open(data / "bench_scale.log", "a")  # noqa: SIM115
    for n in args.sizes:
        dataset = data / f"synthetic-{n}-seed{args.seed}"
        made = None
        if not dataset.exists():
            print(f"writing the {n:,}-freelancer dataset to {dataset} ...", flush=True)
            made = _sub(
                ["--make-dataset", str(n), "--seed", str(args.seed), "--dataset", str(dataset)],
                log,
            )
        info = dataset_info(dataset)
        for engine in args.engines:
            print(f"{n:,} freelancers, {engine} ...", flush=True)
            r = _sub(
                ["--child", engine, "--dataset", str(dataset), "--out", str(data / "out"),
                 "--rules", args.rules, "--workers", str(workers)],
                log,
            )  # fmt: skip
            r.update(
                freelancers=n, engine=engine, dataset_rows=info.rows, dataset_parts=len(info.parts)
            )
            if made:
                r["dataset_written"] = made
            rows.append(r)
            print(render([r]).splitlines()[-1], flush=True)
    log.close()
    table = render(rows)
    summary: dict = {}
    by = {(r["freelancers"], r["engine"]): r for r in rows}
    for n in args.sizes:
        p, d = by.get((n, "pandas")), by.get((n, "dask"))
        if p and d:
            summary[f"dask_over_pandas_jss_{n}"] = d["jss_job_s"] / p["jss_job_s"]
            summary[f"dask_over_pandas_status_{n}"] = d["status_job_s"] / p["status_job_s"]
    print()
    print(table)
    for k, v in summary.items():
        print(f"{k}: {v:.2f}")
    result = {
        "rows": rows,
        "summary": summary,
        "table": table,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "workers": workers,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    sizes = "-".join(str(n) for n in args.sizes)
    path = RESULTS / f"bench_scale-{sizes}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nwritten: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
