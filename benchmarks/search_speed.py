"""Experiments at scale: search throughput on 1 vs 2 local workers, Ray's per-trial overhead over the process pool,
and a 4-model walk-forward on 2 workers vs sequential. Every ratio is measured in this one run.

1. Trials per hour: the same space (LSTM hidden size and learning rate), the same trials, no pruning, on a warm
   pool of 1 and then 2 worker processes; timed from the first ask to the last trial told (the hold-out walk
   after it is not counted). Once with the random sampler (a trial whenever a worker is free) and once with TPE
   (trial k is asked once trial k - 2 x workers is told, which keeps the sequence seed-determined). Target: 2 workers
   >= 1.7x the trials per hour of 1.
2. Ray overhead: tiny one-epoch MLP trials, on the warm 2-worker pool and on a local Ray (2 CPUs, started and
   warmed first); overhead = (Ray time - pool time) / trials. Target: < 0.5 s a trial once started.
3. Parallel backtest: engine.pipeline.run_backtest of LSTM, GRU, MLP and CNN (and the linear baseline) on the
   setup of backtest_speed.py (SP500 2009-2018, 945 bars to start, retrain every 63, 25 folds, the app's training
   defaults with warm starts, width 32), sequential, with Execution(workers=2) (spawning the workers included)
   and on a warm pool of 2 (engine.experiments.executors.WarmPool, which the window keeps between backtests),
   results checked equal. Target: >= 1.7x on the warm pool.

The series is the bundled SP500 sample; torch uses one thread in every process. Each ratio is printed with the
cores other programs kept busy during its two runs (from /proc/stat less this process tree): on a shared machine
a busy neighbour lowers every parallel ratio, and this says by how much the machine was not ours.

Run:  .venv/bin/python benchmarks/search_speed.py [--trials 12] [--start 2010-01-01] [--epochs 5] [--no-ray]
      [--only-backtest]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script from any folder

from benchmarks.machine import cpu_name  # noqa: E402
from engine.data import load_sample  # noqa: E402
from engine.experiments.executors import Execution, LocalExecutor, WarmPool  # noqa: E402
from engine.experiments.experiment import Experiment  # noqa: E402
from engine.experiments.study import SearchDriver, TrialFinished  # noqa: E402
from engine.fit_config import TrainConfig, WalkForwardConfig  # noqa: E402
from engine.pipeline import run_backtest  # noqa: E402
from engine.runs import DataConfig, RunConfig  # noqa: E402
from engine.trading import TradingConfig  # noqa: E402
from engine.windows import WindowConfig  # noqa: E402
from models import model_config_for  # noqa: E402

MIN_SEARCH_SPEEDUP = 1.7
MAX_RAY_OVERHEAD_S = 0.5
MIN_BACKTEST_SPEEDUP = 1.7


class _Others:
    """Cores other programs kept busy while a block ran, from /proc: all busy CPU time minus this process tree's.

    A parallel ratio is only meaningful when this is near 0; on a shared machine it says how much of it was lost."""

    def __enter__(self) -> _Others:
        self._start = (_busy_ticks(), _tree_ticks(), time.perf_counter())
        return self

    def __exit__(self, *exc_info) -> None:
        busy, own, started = self._start
        seconds = time.perf_counter() - started
        self.cores = ((_busy_ticks() - busy) - (_tree_ticks() - own)) / os.sysconf("SC_CLK_TCK") / seconds

    def __str__(self) -> str:
        return f"others used {self.cores:.2f} cores meanwhile"


def _busy_ticks() -> int:
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return user + nice + system + irq + softirq + steal


def _tree_ticks() -> int:
    """CPU ticks of this process and every descendant alive now, plus the reaped children's."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime + stime
    tree, grew = {os.getpid()}, True
    while grew:
        grown = tree | {pid for pid, (ppid, _) in stats.items() if ppid in tree}
        grew, tree = grown != tree, grown
    children = os.times()
    return sum(stats[pid][1] for pid in tree if pid in stats) + round(
        (children.children_user + children.children_system) * os.sysconf("SC_CLK_TCK"))


def _base(start: str, epochs: int, models) -> tuple[RunConfig, dict[str, pd.DataFrame]]:
    bars = load_sample("SP500")[0].loc[start:]
    config = RunConfig(DataConfig(tickers=("SP500",)), WindowConfig(window=20, horizons=(1,)), tuple(models),
                       TrainConfig(epochs=epochs, batch_size=64, patience=0, device="cpu"),
                       WalkForwardConfig(initial_train=504, retrain_every=126), TradingConfig(bootstrap_repetitions=50))
    return config, {"SP500": bars}


def _search_seconds(experiment: Experiment, bars, executor, workers: int, name: str, folder: Path) -> float:
    """Seconds from the first ask to the last trial told, on a lent warm executor."""
    told = []
    driver = SearchDriver(experiment, bars, name=name, storage=f"sqlite:///{folder / 'bench.sqlite'}",
                          execution=Execution(workers=workers), store_trials=False, executor=executor,
                          on_event=lambda event: told.append(time.perf_counter()) if isinstance(
                              event, TrialFinished) else None)
    started = time.perf_counter()
    outcome = driver.run()
    assert (outcome.trials["state"] == "COMPLETE").all(), outcome.trials
    return told[-1] - started


def _warm(executor, bars, folder: Path, name: str) -> None:
    """One tiny search, so every worker has imported torch and the engine before anything is timed."""
    config, _ = _base("2017-01-01", 1, [model_config_for("mlp", hidden_layers=(8,))])
    tiny = replace(config, walk_forward=WalkForwardConfig(initial_train=150, retrain_every=100))
    experiment = Experiment(tiny, "dropout=0..0.5", trials=2, top_k=1, pruner="none", sampler="random")
    _search_seconds(experiment, {"SP500": bars["SP500"].loc["2017-01-01":]}, executor, 2, name, folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--start", default="2010-01-01")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--only-backtest", action="store_true", help="only the 4-model walk-forward")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, 1 thread a process; "
          f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    folder = Path(tempfile.mkdtemp(prefix="search-bench-"))
    results = []
    if args.only_backtest:
        return 0 if all(_backtest_speedups()) else 1

    config, bars = _base(args.start, args.epochs, [model_config_for("lstm", hidden_size=16, num_layers=1)])
    with LocalExecutor(None, workers=2) as pool:
        _warm(pool, bars, folder, "warm-pool")
        for sampler in ("random", "tpe"):
            experiment = Experiment(config, "hidden_size=8..32:log,learning_rate=1e-3..1e-2:log", trials=args.trials,
                                    top_k=1, pruner="none", sampler=sampler, seed=0)
            with _Others() as others_one:
                one = _search_seconds(experiment, bars, pool, 1, f"{sampler}-one", folder)
            with _Others() as others_two:
                two = _search_seconds(experiment, bars, pool, 2, f"{sampler}-two", folder)
            speedup = one / two
            print(f"search ({sampler}): {args.trials} LSTM trials ({len(bars['SP500'])} bars, {args.epochs} epochs) "
                  f"in {one:.1f} s on 1 worker ({3600 * args.trials / one:.0f} trials/h), {two:.1f} s on 2 "
                  f"({3600 * args.trials / two:.0f} trials/h): {speedup:.2f}x  "
                  f"{'PASS' if speedup >= MIN_SEARCH_SPEEDUP else 'FAIL'} (target >= {MIN_SEARCH_SPEEDUP}x; "
                  f"{others_one} and {others_two.cores:.2f})")
            results.append(speedup >= MIN_SEARCH_SPEEDUP)

        if not args.no_ray:
            import ray

            tiny_config, _ = _base("2016-01-01", 1, [model_config_for("mlp", hidden_layers=(8,))])
            tiny_config = replace(tiny_config, walk_forward=WalkForwardConfig(initial_train=150, retrain_every=150))
            tiny = Experiment(tiny_config, "dropout=0..0.5", trials=2 * args.trials, top_k=1, pruner="none",
                              sampler="random")
            tiny_bars = {"SP500": bars["SP500"].loc["2016-01-01":]}
            pooled = _search_seconds(tiny, tiny_bars, pool, 2, "tiny-pool", folder)
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
            on_ray = Execution("ray", 2).open(None)
            try:
                _warm(on_ray, bars, folder, "warm-ray")
                rayed = _search_seconds(tiny, tiny_bars, on_ray, 2, "tiny-ray", folder)
            finally:
                on_ray.close()
                ray.shutdown()
            overhead = (rayed - pooled) / tiny.trials
            print(f"ray: {tiny.trials} tiny trials in {pooled:.1f} s on the pool, {rayed:.1f} s on Ray: overhead "
                  f"{overhead:+.3f} s a trial  {'PASS' if overhead < MAX_RAY_OVERHEAD_S else 'FAIL'} "
                  f"(target < {MAX_RAY_OVERHEAD_S} s)")
            results.append(overhead < MAX_RAY_OVERHEAD_S)

    results += _backtest_speedups()
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    return 0 if all(results) else 1


def _backtest_speedups() -> list[bool]:
    """The 4-model walk-forward on 2 workers against sequential: with the workers started for the run, and on a
    warm pool (the window keeps one between backtests)."""
    four = [model_config_for("lstm", hidden_size=32, hidden_layers=(32, 16)),
            model_config_for("gru", hidden_size=32, hidden_layers=(32, 16)),
            model_config_for("mlp", hidden_layers=(32, 16)), model_config_for("cnn", channels=(32, 32),
                                                                              hidden_layers=(32, 16))]
    bars = {"SP500": load_sample("SP500")[0].loc["2009-01-01":"2018-12-31"]}
    config = RunConfig(DataConfig(tickers=("SP500",)), WindowConfig(), tuple(four), TrainConfig(device="cpu"),
                       WalkForwardConfig(initial_train=945, retrain_every=63))
    # This process pays torch's first-step costs once before the timing, as a warm pool's workers have.
    run_backtest(replace(config, training=replace(config.training, epochs=1)), {"SP500": bars["SP500"].iloc[-1100:]})
    with _Others() as others_one:
        started = time.perf_counter()
        sequential = run_backtest(config, bars)
        sequential_s = time.perf_counter() - started
    with _Others() as others_two:
        started = time.perf_counter()
        parallel = run_backtest(config, bars, execution=Execution(workers=2))
        parallel_s = time.perf_counter() - started
    pd.testing.assert_frame_equal(sequential.result.metrics, parallel.result.metrics)
    with _Others() as others_warm, closing(WarmPool()) as pool:
        run_backtest(config, bars, executor=pool.get(2))  # starts the workers, as the window's first backtest does
        started = time.perf_counter()
        warm = run_backtest(config, bars, executor=pool.get(2))
        warm_s = time.perf_counter() - started
    pd.testing.assert_frame_equal(sequential.result.metrics, warm.result.metrics)
    speedups = {"spawn included": sequential_s / parallel_s, "on a warm pool": sequential_s / warm_s}
    print(f"backtest: 4 models + linear baseline, {len(sequential.result.folds)} folds, {sequential_s:.1f} s "
          f"sequential ({others_one}); identical metrics on 2 workers:")
    for (name, speedup), seconds, others in zip(speedups.items(), (parallel_s, warm_s), (others_two, others_warm)):
        print(f"  {name}: {seconds:.1f} s, {speedup:.2f}x  {'PASS' if speedup >= MIN_BACKTEST_SPEEDUP else 'FAIL'} "
              f"(target >= {MIN_BACKTEST_SPEEDUP}x; {others.cores:.2f} cores used by others)")
    return [speedups["on a warm pool"] >= MIN_BACKTEST_SPEEDUP]


if __name__ == "__main__":
    sys.exit(main())
