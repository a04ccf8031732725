"""What a user should know about a canonical OHLCV frame before training on it."""

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.holiday import (
    AbstractHolidayCalendar,
    GoodFriday,
    Holiday,
    USLaborDay,
    USMartinLutherKingJr,
    USMemorialDay,
    USPresidentsDay,
    USThanksgivingDay,
    nearest_workday,
    sunday_to_monday,
)

from engine.data.frame import OHLCV_COLUMNS, format_ts

OUTLIER_Z = 10.0  # robust z-score of a bar's log return; fat tails make 3-5 far too noisy
_SPLIT_RATIOS = np.log([2.0, 3.0, 4.0, 5.0, 10.0])  # and their inverses (reverse splits)
_SPLIT_TOLERANCE = 0.06  # in log units: on a split day the price also moves with the market
_STEADY_BARS = 5  # a split's levels hold for days; a bad tick is gone within a few bars
_EXAMPLES = 5
_STEP_NAMES = {60: "1m", 120: "2m", 300: "5m", 900: "15m", 1800: "30m", 3600: "1h", 5400: "90m", 86400: "1d"}


class NYSECalendar(AbstractHolidayCalendar):
    """NYSE-like trading holidays.

    An approximation: it ignores one-off closures (2001-09-11..14, 2007-01-02,
    2012-10-29/30, days of mourning) and rules older than 1998.
    """

    rules = [
        Holiday("New Year's Day", month=1, day=1, observance=sunday_to_monday),
        USMartinLutherKingJr,
        USPresidentsDay,
        GoodFriday,
        USMemorialDay,
        Holiday("Juneteenth", month=6, day=19, start_date="2022-01-01", observance=nearest_workday),
        Holiday("Independence Day", month=7, day=4, observance=nearest_workday),
        USLaborDay,
        USThanksgivingDay,
        Holiday("Christmas", month=12, day=25, observance=nearest_workday),
    ]


@dataclass(frozen=True)
class QualityReport:
    """Facts about one loaded series; `summary_lines()` words them for the GUI."""

    source: str
    rows: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    interval: str  # inferred from the median step: "1m", "1h", "1d", "1wk", "1mo", ... or "unknown"
    missing_sessions: int  # daily bars only: NYSE-like sessions without a bar
    missing_examples: tuple[pd.Timestamp, ...]  # the first few of them
    nan_rows_dropped: int
    nan_rows_filled: int
    suspected_splits: tuple[tuple[pd.Timestamp, float], ...]  # (date, close / previous close)
    outliers: tuple[pd.Timestamp, ...]  # bars whose log return has a robust z-score above OUTLIER_Z
    warnings: tuple[str, ...]

    def summary_lines(self) -> list[str]:
        """One short line per finding, most important first."""
        if self.rows == 0 or self.start is None or self.end is None:
            return [f"{self.source}: no bars"]
        lines = [f"{self.source}: {self.rows} bars ({self.interval}) from {format_ts(self.start)} to {format_ts(self.end)}"]
        if self.interval == "1d":
            examples = _dates(self.missing_examples)
            lines.append(
                f"Missing trading sessions (approximate NYSE calendar): {self.missing_sessions}"
                + (f", e.g. {examples}" if examples else "")
            )
        if self.nan_rows_dropped:
            lines.append(f"Rows with missing or infinite values dropped: {self.nan_rows_dropped}")
        if self.nan_rows_filled:
            lines.append(f"Rows with missing or infinite values filled from the previous bar: {self.nan_rows_filled}")
        if self.suspected_splits:
            splits = ", ".join(f"{format_ts(day)} (close x{ratio:.2f})" for day, ratio in self.suspected_splits)
            lines.append(f"Possible unadjusted stock splits: {splits}. Load adjusted prices if the source has them.")
        if self.outliers:
            lines.append(
                f"Unusually large moves (robust z > {OUTLIER_Z:g}): {len(self.outliers)}, "
                f"e.g. {_dates(self.outliers[:_EXAMPLES])}. Check that they are real."
            )
        return lines + list(self.warnings)


def build_report(
    frame: pd.DataFrame,
    source: str,
    *,
    nan_rows_dropped: int = 0,
    nan_rows_filled: int = 0,
    warnings: tuple[str, ...] = (),
) -> QualityReport:
    """Inspect a canonical, validated frame (sorted, unique dates, finite positive prices)."""
    index = frame.index
    interval = infer_interval(index)
    missing = _missing_sessions(index) if interval == "1d" else pd.DatetimeIndex([])
    splits, outliers = _jumps(frame["close"].to_numpy())
    return QualityReport(
        source=source,
        rows=len(frame),
        start=index[0] if len(index) else None,
        end=index[-1] if len(index) else None,
        interval=interval,
        missing_sessions=len(missing),
        missing_examples=tuple(missing[:_EXAMPLES]),
        nan_rows_dropped=nan_rows_dropped,
        nan_rows_filled=nan_rows_filled,
        suspected_splits=tuple((index[i], float(ratio)) for i, ratio in splits),
        outliers=tuple(index[outliers]),
        warnings=_bar_warnings(frame) + warnings,
    )


def infer_interval(index: pd.DatetimeIndex) -> str:
    """The bar size named like Yahoo's intervals, from the median step between bars."""
    if len(index) < 2:
        return "unknown"
    step = int(np.median(np.diff(index.as_unit("s").asi8)))  # seconds
    if step in _STEP_NAMES:
        return _STEP_NAMES[step]
    days = step / 86400
    for low, high, name in ((5, 8, "1wk"), (27, 32, "1mo"), (85, 95, "3mo"), (360, 370, "1y")):
        if low <= days <= high:
            return name
    return f"{step // 60}m" if step < 86400 else f"{days:g}d"


def _missing_sessions(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    first, last = index[0].normalize(), index[-1].normalize()
    sessions = pd.bdate_range(first, last, freq="C", holidays=_holidays(first.year, last.year))
    return sessions.difference(index.normalize())


@functools.lru_cache(maxsize=16)
def _holidays(first_year: int, last_year: int) -> pd.DatetimeIndex:
    """Cached: evaluating the rules costs ~1 ms per year, more than the rest of the report."""
    return NYSECalendar().holidays(f"{first_year}-01-01", f"{last_year}-12-31")


def _jumps(close: np.ndarray) -> tuple[list[tuple[int, float]], np.ndarray]:
    """Suspected splits as (bar, ratio) and the bar positions of outlier returns."""
    if len(close) < 3:
        return [], np.array([], dtype=int)
    level = np.log(close)
    ret = np.diff(level)  # ret[i] is the move into bar i + 1
    near_split = np.abs(np.abs(ret)[:, None] - _SPLIT_RATIOS).min(axis=1) < _SPLIT_TOLERANCE
    # A split moves the price from one steady level to another; a bad tick and its
    # reversal each leave a steady level. Compare the median levels either side.
    behind = pd.Series(level).rolling(_STEADY_BARS, min_periods=1).median().to_numpy()  # bars i-4..i
    ahead = pd.Series(level[::-1]).rolling(_STEADY_BARS, min_periods=1).median().to_numpy()[::-1]  # bars i..i+4
    old, new = level[:-1], level[1:]
    before, after = behind[:-1], np.append(ahead[2:], np.nan)  # aligned with ret; NaN: nothing after the last bar
    held_before = np.abs(before - old) < np.abs(before - new)
    recovered = np.abs(after - old) < np.abs(after - new)
    split_at = np.flatnonzero(near_split & held_before & ~recovered)
    splits = [(int(i) + 1, float(np.exp(ret[i]))) for i in split_at]

    deviation = ret - np.median(ret)
    mad = np.median(np.abs(deviation))
    if mad == 0:  # flat prices: every move would be infinitely unusual
        return splits, np.array([], dtype=int)
    outlier = np.abs(0.6745 * deviation / mad) > OUTLIER_Z
    outlier[split_at] = False
    return splits, np.flatnonzero(outlier) + 1


def _bar_warnings(frame: pd.DataFrame) -> tuple[str, ...]:
    if frame.empty:
        return ()
    o, h, l, c, v = (frame[col].to_numpy() for col in OHLCV_COLUMNS)
    found = []
    inconsistent = (h < np.maximum(o, c)) | (l > np.minimum(o, c))
    if inconsistent.any():
        first = format_ts(frame.index[inconsistent.argmax()])
        found.append(
            f"{inconsistent.sum()} bars have a high below their open/close or a low above it "
            f"(first {first}): the source may be inconsistent."
        )
    zero = v == 0
    if zero.all():
        found.append("Volume is 0 on every bar: volume carries no information for this series.")
    elif zero.any():
        found.append(f"{zero.sum()} of {len(v)} bars have zero volume (first {format_ts(frame.index[zero.argmax()])}).")
    return tuple(found)


def _dates(days: tuple[pd.Timestamp, ...]) -> str:
    return ", ".join(format_ts(day) for day in days)
