"""What a user should know about a canonical OHLCV frame before training on it."""

import dataclasses
import difflib
import functools
from dataclasses import dataclass

import exchange_calendars as xc
import numpy as np
import pandas as pd

from engine.data.frame import OHLCV_COLUMNS, format_ts
from engine.errors import WorkbenchError

OUTLIER_Z = 10.0  # robust z-score of a bar's log return; fat tails make 3-5 far too noisy
AUTO_CALENDAR = "auto"  # infer the exchange calendar from the bars: XNYS, 24/7 or 24/5
COMMON_CALENDARS = {  # exchange_calendars names worth offering in a picker; check_calendar takes any of its names
    "XNYS": "New York Stock Exchange",
    "XNAS": "Nasdaq",
    "XLON": "London Stock Exchange",
    "XETR": "Xetra, Frankfurt",
    "XPAR": "Euronext Paris",
    "XTKS": "Tokyo Stock Exchange",
    "XHKG": "Hong Kong Exchange",
    "XASX": "Australian Securities Exchange",
    "XTSE": "Toronto Stock Exchange",
    "24/7": "every day around the clock (crypto)",
    "24/5": "weekdays around the clock (forex)",
}
_SPLIT_RATIOS = np.log([2.0, 3.0, 4.0, 5.0, 10.0])  # and their inverses (reverse splits)
_SPLIT_TOLERANCE = 0.06  # in log units: on a split day the price also moves with the market
_STEADY_BARS = 5  # a split's levels hold for days; a bad tick is gone within a few bars
_EXAMPLES = 5
_DAY = 86400  # seconds
_STEP_NAMES = {60: "1m", 120: "2m", 300: "5m", 900: "15m", 1800: "30m", 3600: "1h", 5400: "90m", _DAY: "1d"}
_WEEKEND_SHARE = 0.1  # of bars on Saturdays and Sundays that means 24/7: crypto has 2/7, a stray weekend bar is no reason
_AROUND_THE_CLOCK = 20  # hours of the day intraday bars cover that mean 24/5: forex covers 24, a US exchange 7
_HOLIDAY_SHARE = 0.5  # of the NYSE's weekday holidays with a daily bar that means 24/5: forex trades through most


@dataclass(frozen=True)
class QualityReport:
    """Facts about one loaded series; `summary_lines()` words them for the GUI."""

    source: str
    rows: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    interval: str  # inferred from the median step: "1m", "1h", "1d", "1wk", "1mo", ... or "unknown"
    calendar: str | None  # exchange calendar the sessions were checked against, e.g. "XNYS"; None: not checked
    calendar_inferred: bool  # the calendar was inferred from the bars ("auto"), not chosen
    sessions_checked: tuple[pd.Timestamp, pd.Timestamp] | None  # first and last day of the span the calendar covers
    missing_sessions: int  # the calendar's sessions in sessions_checked without a bar
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
        if self.interval != "unknown":
            lines.append(self._sessions_line())
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

    def _sessions_line(self) -> str:
        if self.calendar is None:
            return f"Missing trading sessions not checked: {self.interval} bars each span several sessions."
        if self.sessions_checked is None:
            return f"Missing trading sessions not checked: the {self.calendar} calendar covers none of these dates."
        first, last = self.sessions_checked
        partly = (first, last) != (self.start.normalize(), self.end.normalize())
        examples = _dates(self.missing_examples)
        return (
            f"Missing trading sessions ({self.calendar} calendar"
            + (", inferred from the bars" if self.calendar_inferred else "")
            + (f", checked {format_ts(first)} to {format_ts(last)}, the dates it covers" if partly else "")
            + f"): {self.missing_sessions}"
            + (f", e.g. {examples}" if examples else "")
        )


def build_report(
    frame: pd.DataFrame,
    source: str,
    *,
    calendar: str = AUTO_CALENDAR,
    nan_rows_dropped: int = 0,
    nan_rows_filled: int = 0,
    warnings: tuple[str, ...] = (),
) -> QualityReport:
    """Inspect a canonical, validated frame (sorted, unique dates, finite positive prices).

    Missing sessions are checked against `calendar`: AUTO_CALENDAR or an exchange_calendars name.
    """
    index = frame.index
    splits, outliers = _jumps(frame["close"].to_numpy())
    return QualityReport(
        source=source,
        rows=len(frame),
        start=index[0] if len(index) else None,
        end=index[-1] if len(index) else None,
        interval=infer_interval(index),
        **_session_fields(index, calendar),
        nan_rows_dropped=nan_rows_dropped,
        nan_rows_filled=nan_rows_filled,
        suspected_splits=tuple((index[i], float(ratio)) for i, ratio in splits),
        outliers=tuple(index[outliers]),
        warnings=_bar_warnings(frame) + warnings,
    )


def with_calendar(report: QualityReport, frame: pd.DataFrame, calendar: str) -> QualityReport:
    """The report with its missing sessions checked against `calendar`; `frame` is the one the report describes."""
    return dataclasses.replace(report, **_session_fields(frame.index, calendar))


def check_calendar(name: str) -> str:
    """AUTO_CALENDAR or the exchange_calendars name that `name` spells (in any case); a WorkbenchError otherwise."""
    known = {known.upper(): known for known in (AUTO_CALENDAR, *xc.get_calendar_names(include_aliases=True))}
    key = str(name).strip().upper()
    if key in known:
        return known[key]
    close = " or ".join(known[match] for match in difflib.get_close_matches(key, known, n=3))
    raise WorkbenchError(
        f"Unknown exchange calendar {name!r}{f' (did you mean {close}?)' if close else ''}: use auto, "
        "or an exchange_calendars name such as XNYS (New York), XLON (London), XTKS (Tokyo), 24/5 (forex) or "
        "24/7 (crypto); python -c \"import exchange_calendars; print(exchange_calendars.get_calendar_names())\" "
        "lists them all."
    )


def infer_interval(index: pd.DatetimeIndex) -> str:
    """The bar size named like Yahoo's intervals, from the median step between bars."""
    if len(index) < 2:
        return "unknown"
    step = _step_seconds(index)
    if step in _STEP_NAMES:
        return _STEP_NAMES[step]
    days = step / _DAY
    for low, high, name in ((5, 8, "1wk"), (27, 32, "1mo"), (85, 95, "3mo"), (360, 370, "1y")):
        if low <= days <= high:
            return name
    return f"{step // 60}m" if step < _DAY else f"{days:g}d"


def _step_seconds(index: pd.DatetimeIndex) -> int:
    """The median step between bars, in seconds (at least two bars)."""
    return int(np.median(np.diff(index.as_unit("s").asi8)))


def _session_fields(index: pd.DatetimeIndex, calendar: str) -> dict:
    """QualityReport's calendar fields: which calendar, the days it covers, the sessions there without a bar."""
    name: str | None = check_calendar(calendar)
    inferred = name == AUTO_CALENDAR
    checked, missing = None, pd.DatetimeIndex([])
    if len(index) < 2 or (step := _step_seconds(index)) > _DAY:  # coarser bars span several sessions each
        name, inferred = None, False
    else:
        days = index.normalize().unique()
        name = _infer_calendar(index, days, step) if inferred else name
        sessions = _sessions(name, days[0].year)
        if len(sessions) and sessions[0] <= days[-1] and days[0] <= sessions[-1]:
            checked = (max(days[0], sessions[0]), min(days[-1], sessions[-1]))
            missing = sessions[(sessions >= checked[0]) & (sessions <= checked[1])].difference(days)
    return {
        "calendar": name,
        "calendar_inferred": inferred,
        "sessions_checked": checked,
        "missing_sessions": len(missing),
        "missing_examples": tuple(missing[:_EXAMPLES]),
    }


def _infer_calendar(index: pd.DatetimeIndex, days: pd.DatetimeIndex, step: int) -> str:
    """24/7 with weekend bars (crypto), 24/5 for a weekday market open around the clock (forex), else XNYS."""
    if (index.day_of_week >= 5).mean() >= _WEEKEND_SHARE:
        return "24/7"
    if step < _DAY:
        around_the_clock = index.hour.nunique() * max(step / 3600, 1) >= _AROUND_THE_CLOCK
    else:
        holidays = pd.bdate_range(days[0], days[-1]).difference(_sessions("XNYS", days[0].year))
        around_the_clock = len(holidays) > 0 and holidays.isin(days).mean() > _HOLIDAY_SHARE
    return "24/5" if around_the_clock else "XNYS"


@functools.lru_cache(maxsize=16)
def _sessions(name: str, first_year: int) -> pd.DatetimeIndex:
    """The calendar's sessions from the start of first_year (or its earliest date) to its end, about a year from now.

    Cached: building a calendar takes up to 0.1 s, far more than the rest of the report.
    """
    try:
        kind = type(xc.get_calendar(name))  # the default instance: exchange_calendars looks classes up by it only
        start = max(pd.Timestamp(first_year, 1, 1), kind.bound_min() or pd.Timestamp.min)
        return kind(start=start).sessions if start < kind.default_end() else pd.DatetimeIndex([])
    except (NotImplementedError, ValueError, xc.errors.CalendarError) as exc:  # e.g. XBSE and XTAE with this pandas
        raise WorkbenchError(
            f"The {name} exchange calendar could not be built ({type(exc).__name__}): choose another calendar, or auto."
        ) from exc


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
