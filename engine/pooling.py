"""Train pools every ticked series into one model's windows: only series of one bar interval can share a model."""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from engine.data.quality import infer_interval
from engine.errors import WorkbenchError
from engine.windows import WindowConfig, WindowedData, build_windows

_NAMES = {"1h": "hourly", "1d": "daily", "1wk": "weekly", "1mo": "monthly", "3mo": "quarterly", "1y": "yearly"}


def interval_problem(dates: Mapping[str, pd.DatetimeIndex]) -> str | None:
    """Why these series cannot be pooled into one model (their bar intervals differ); None if they can."""
    by_interval: dict[str, list[str]] = {}
    for name, index in dates.items():
        interval = infer_interval(index)
        if interval != "unknown":  # too few bars to tell: the size checks refuse such a series
            by_interval.setdefault(interval, []).append(name)
    if len(by_interval) < 2:
        return None
    parts = [f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} {_described(interval)}"
             for interval, names in by_interval.items()]
    fix = ("untick one of them" if len(dates) == 2 else "untick the series of every interval but one")
    return (f"{', '.join(parts[:-1])} and {parts[-1]}: one model can only pool series of one bar interval; "
            f"{fix} or train them in separate runs.")


def pooled_windows(bars_by_ticker: Mapping[str, pd.DataFrame], config: WindowConfig) -> WindowedData:
    """The windows Train fits one model on: every series pooled, refused when their bar intervals differ."""
    problem = interval_problem({name: bars.index for name, bars in bars_by_ticker.items()})
    if problem:
        raise WorkbenchError(problem)
    return build_windows(bars_by_ticker, config)


def _described(interval: str) -> str:
    """'daily (1d)', '15-minute (15m)'; other intervals by their code."""
    if interval in _NAMES:
        return f"{_NAMES[interval]} ({interval})"
    if interval.endswith("m") and interval[:-1].isdigit():
        return f"{interval[:-1]}-minute ({interval})"
    return f"of {interval} bars"
