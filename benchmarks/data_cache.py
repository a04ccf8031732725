"""Benchmark: load 10 tickers x 20 years of daily bars from the market-data cache.

Run:  python benchmarks/data_cache.py   (`make bench` runs every benchmark)

The 10 series are scaled, jittered copies of the bundled SP500 sample, written to a
temporary cache. Prints milliseconds per ticker against the 20 ms target, and the
ratio to pandas.read_csv of the same rows timed in the same run, which holds up on
a noisy machine where absolute times do not.
"""

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a plain script from any folder

from engine.data import MarketCache, load_ticker, read_ohlcv_csv  # noqa: E402
from engine.data.samples import SAMPLE_DIR  # noqa: E402

TICKERS = [f"SYN{i}" for i in range(10)]
REPEATS = 7
TARGET_MS = 20.0


def synthetic_series(base: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Distinct but valid series: each row's prices share one factor, so high >= low still holds."""
    rng = np.random.default_rng(0)
    series = {}
    for i, ticker in enumerate(TICKERS):
        factor = (0.5 + 0.25 * i) * (1 + rng.normal(0, 0.002, len(base)))
        prices = base[["open", "high", "low", "close"]].mul(factor, axis=0)
        series[ticker] = prices.assign(volume=base["volume"] * (1 + i))
    return series


def best_ms(work: Callable[[], object]) -> float:
    """The fastest of REPEATS runs, in milliseconds."""
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def _no_download(*args: object) -> pd.DataFrame:
    raise AssertionError("the benchmark range is fully cached; nothing may be downloaded")


def main() -> None:
    base, _ = read_ohlcv_csv(SAMPLE_DIR / "SP500.csv")
    series = synthetic_series(base)
    last_day = base.index[-1].date()
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "one_ticker.csv"
        base.to_csv(csv_path)
        with MarketCache(Path(folder) / "bench.sqlite") as cache:
            started = time.perf_counter()
            for ticker, frame in series.items():
                cache.write(ticker, "1d", True, frame, from_listing=True)
            write_ms = (time.perf_counter() - started) * 1000 / len(TICKERS)
            read_ms = best_ms(lambda: [cache.read(t, "1d", True) for t in TICKERS]) / len(TICKERS)
            load_ms = best_ms(
                lambda: [load_ticker(t, end=last_day, cache=cache, downloader=_no_download) for t in TICKERS]
            ) / len(TICKERS)
        csv_ms = best_ms(lambda: pd.read_csv(csv_path, index_col=0, parse_dates=True))

    verdict = "OK" if read_ms < TARGET_MS else "TOO SLOW"
    print(f"Market-data cache: {len(TICKERS)} tickers x {len(base)} daily bars "
          f"({base.index[0]:%Y-%m-%d} to {base.index[-1]:%Y-%m-%d}), best of {REPEATS}")
    print(f"  write  MarketCache.write, one transaction each  {write_ms:7.2f} ms per ticker")
    print(f"  read   MarketCache.read                         {read_ms:7.2f} ms per ticker  "
          f"(target < {TARGET_MS:g} ms: {verdict})")
    print(f"  load   load_ticker from the cache               {load_ms:7.2f} ms per ticker  "
          "(read + checks + quality report)")
    print(f"  reference: pandas.read_csv of the same {len(base)} rows  {csv_ms:7.2f} ms")
    print(f"  ratio  cache read / read_csv = {read_ms / csv_ms:.2f}   load_ticker / read_csv = {load_ms / csv_ms:.2f}")


if __name__ == "__main__":
    main()
