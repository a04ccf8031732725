"""Checks that turn a frame with OHLCV column names into the canonical frame.

Every failure is a WorkbenchError naming the source, the row and its date, and the fix.
"""

import re
from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from engine.data.frame import OHLCV_COLUMNS, format_ts, make_ohlcv
from engine.data.quality import QualityReport, build_report
from engine.errors import WorkbenchError

NanPolicy = Literal["drop", "ffill"]

# Cells that mean "no value" rather than "not a number" (Yahoo CSV exports write "null").
_MISSING_TOKENS = ["", "nan", "na", "n/a", "#n/a", "null", "none", "-"]
_FIX_ROW = "Correct or delete that row and load again."
_NAME_LIMIT, _NAMES_LIMIT = 30, 10  # characters of a column name, and names, that a message shows


def validate_ohlcv(
    frame: pd.DataFrame,
    source: str,
    *,
    nan_policy: NanPolicy = "drop",
    row_numbers: Sequence[int] | None = None,
) -> tuple[pd.DataFrame, QualityReport]:
    """Check a frame with a datetime index and OHLCV_COLUMNS; return it canonical, with its report.

    Cells may be numbers or text. Rows with missing or infinite values are dropped or
    forward-filled (nan_policy); rows are sorted by date. If the frame also has an
    `adj_close` column, open/high/low/close are scaled by adj_close / close: pass it
    only when adjusted prices are wanted. `row_numbers` says how messages number the
    rows (a CSV passes its line numbers); by default 1, 2, 3, ...
    """
    if nan_policy not in ("drop", "ffill"):
        raise ValueError(f"nan_policy must be 'drop' or 'ffill', not {nan_policy!r}")
    missing = [col for col in OHLCV_COLUMNS if col not in frame.columns]
    if missing:
        raise WorkbenchError(
            f"{source}: missing columns {', '.join(missing)} (found {column_names(frame.columns)}). "
            f"Name the columns {', '.join(OHLCV_COLUMNS)}."
        )
    columns = [*OHLCV_COLUMNS, *(["adj_close"] if "adj_close" in frame.columns else [])]
    dates = pd.DatetimeIndex(frame.index)
    rows = np.arange(1, len(frame) + 1) if row_numbers is None else np.asarray(row_numbers)
    if dates.hasnans:
        raise WorkbenchError(f"{source}: row {rows[dates.isna().argmax()]} has no date. Add its date or delete that row.")

    values = _numbers(frame, columns, source, rows, dates)
    order = np.argsort(dates.asi8, kind="stable")
    dates, values, rows = dates[order], values[order], rows[order]
    _check_unique(dates, rows, source)
    keep, dropped, filled, values = _apply_nan_policy(values, nan_policy)
    dates, values, rows = dates[keep], values[keep], rows[keep]
    if len(frame) and not len(values):
        raise WorkbenchError(
            f"{source}: every row ({len(frame)}) has missing or infinite values. "
            "Check that the file holds prices, and that its number format uses '.' or ',' consistently."
        )
    _check_prices(values, columns, dates, rows, source)

    if "adj_close" in columns:
        factor = values[:, 5] / values[:, 3]
        values = np.column_stack([values[:, :4] * factor[:, None], values[:, 4]])
    canonical = make_ohlcv(dates, values)
    return canonical, build_report(canonical, source, nan_rows_dropped=dropped, nan_rows_filled=filled)


def column_names(columns: Iterable[object]) -> str:
    """Column names for a message: control characters shown as '?', long names and lists cut short."""
    names = [re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", str(column)) for column in columns]
    shown = [name if len(name) <= _NAME_LIMIT else name[:_NAME_LIMIT - 1] + "…" for name in names[:_NAMES_LIMIT]]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def _where(source: str, rows: np.ndarray, dates: pd.DatetimeIndex, i: int) -> str:
    return f"{source}, row {rows[i]} ({format_ts(dates[i])})"


def _numbers(
    frame: pd.DataFrame, columns: list[str], source: str, rows: np.ndarray, dates: pd.DatetimeIndex
) -> np.ndarray:
    """The columns as a (rows, columns) float array; text that is not a number is an error."""
    values = np.empty((len(frame), len(columns)))
    bad = np.zeros((len(frame), len(columns)), dtype=bool)
    for j, col in enumerate(columns):
        cells = frame[col]
        numbers = pd.to_numeric(cells, errors="coerce")
        values[:, j] = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
        failed = (numbers.isna() & cells.notna()).to_numpy()
        if failed.any():
            text = cells[failed].astype("string").str.strip().str.lower()
            bad[failed, j] = ~text.isin(_MISSING_TOKENS).to_numpy()
    if bad.any():
        i = int(bad.any(axis=1).argmax())
        col = columns[int(bad[i].argmax())]
        raise WorkbenchError(
            f"{_where(source, rows, dates, i)}: {col} is {frame[col].iloc[i]!r}, which is not a number. {_FIX_ROW}"
        )
    return values


def _check_unique(dates: pd.DatetimeIndex, rows: np.ndarray, source: str) -> None:
    duplicated = dates.duplicated()
    if duplicated.any():
        i = int(duplicated.argmax())  # dates are sorted: its twin is the row before
        raise WorkbenchError(
            f"{source}: rows {rows[i - 1]} and {rows[i]} have the same date {format_ts(dates[i])}. "
            "Delete the duplicate row and load again."
        )


def _apply_nan_policy(values: np.ndarray, policy: NanPolicy) -> tuple[np.ndarray, int, int, np.ndarray]:
    """(rows to keep, rows dropped, rows filled, values) for date-sorted values."""
    incomplete = ~np.isfinite(values).all(axis=1)
    if policy == "drop":
        return ~incomplete, int(incomplete.sum()), 0, values
    filled = pd.DataFrame(np.where(np.isfinite(values), values, np.nan)).ffill().to_numpy()
    unfillable = np.isnan(filled).any(axis=1)  # leading rows have no previous bar
    return ~unfillable, int(unfillable.sum()), int((incomplete & ~unfillable).sum()), filled


def _check_prices(
    values: np.ndarray, columns: list[str], dates: pd.DatetimeIndex, rows: np.ndarray, source: str
) -> None:
    prices = [j for j, col in enumerate(columns) if col != "volume"]
    not_positive = values[:, prices] <= 0
    if not_positive.any():
        i = int(not_positive.any(axis=1).argmax())
        j = prices[int(not_positive[i].argmax())]
        raise WorkbenchError(
            f"{_where(source, rows, dates, i)}: {columns[j]} is {values[i, j]:g}, but prices must be above 0. {_FIX_ROW}"
        )
    volume = values[:, columns.index("volume")]
    if (volume < 0).any():
        i = int((volume < 0).argmax())
        raise WorkbenchError(
            f"{_where(source, rows, dates, i)}: volume is {volume[i]:g}, but volume cannot be negative. {_FIX_ROW}"
        )
    high, low = values[:, columns.index("high")], values[:, columns.index("low")]
    if (high < low).any():
        i = int((high < low).argmax())
        raise WorkbenchError(
            f"{_where(source, rows, dates, i)}: high {high[i]:g} is below low {low[i]:g}. "
            "Check that the High and Low columns are not swapped, or correct that row, and load again."
        )
