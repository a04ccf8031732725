"""The canonical OHLCV frame every loader returns.

A DataFrame with a tz-naive DatetimeIndex named "date" (sorted, unique) and float64
columns exactly OHLCV_COLUMNS. The index is in microseconds, pandas 3's default, for
every source: frames from a CSV, the cache, Yahoo or pd.date_range compare equal.
"""

import numpy as np
import pandas as pd

OHLCV_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")


def make_ohlcv(index: pd.DatetimeIndex, values: np.ndarray) -> pd.DataFrame:
    """Build a canonical frame from dates and a (rows, 5) array in OHLCV_COLUMNS order."""
    if index.tz is not None:
        index = index.tz_localize(None)  # keep the exchange's wall-clock time
    index = pd.DatetimeIndex(index.as_unit("us"), name="date")
    return pd.DataFrame(np.asarray(values, dtype=np.float64), index=index, columns=list(OHLCV_COLUMNS))


def empty_ohlcv() -> pd.DataFrame:
    """A canonical frame with no rows."""
    return make_ohlcv(pd.DatetimeIndex([]), np.empty((0, len(OHLCV_COLUMNS))))


def format_ts(ts: pd.Timestamp) -> str:
    """A date for messages: '2004-11-08', or '2017-04-19 09:00' when it has a time of day."""
    return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
