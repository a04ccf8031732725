"""The market-data cache: one SQLite file of bars, read fast, written in transactions."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from types import TracebackType

import numpy as np
import pandas as pd
import platformdirs

from engine.data.frame import OHLCV_COLUMNS, empty_ohlcv, make_ohlcv
from engine.errors import WorkbenchError

SCHEMA_VERSION = 1
_TABLES = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    # ts: seconds since 1970-01-01 of the bar's exchange wall-clock time (tz-naive, like the frames)
    """CREATE TABLE IF NOT EXISTS bars (
        ticker TEXT NOT NULL, interval TEXT NOT NULL, adjusted INTEGER NOT NULL, ts INTEGER NOT NULL,
        open REAL, high REAL, low REAL, close REAL, volume REAL,
        PRIMARY KEY (ticker, interval, adjusted, ts)
    ) WITHOUT ROWID""",
    # one row per series whose cached bars begin at the first bar Yahoo has
    """CREATE TABLE IF NOT EXISTS listed_from_start (
        ticker TEXT NOT NULL, interval TEXT NOT NULL, adjusted INTEGER NOT NULL,
        PRIMARY KEY (ticker, interval, adjusted)
    ) WITHOUT ROWID""",
)
_KEY = "ticker = ? AND interval = ? AND adjusted = ?"
_ONE_SECOND = pd.Timedelta(seconds=1)


def default_cache_path() -> Path:
    """The cache file in the user's data folder (e.g. ~/.local/share/stock-workbench)."""
    return Path(platformdirs.user_data_dir("stock-workbench")) / "market_cache.sqlite"


class MarketCache:
    """Bars keyed by (ticker, interval, adjusted, timestamp) in one SQLite file.

    Use it as a context manager (or call close()), from the thread that created it.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._guard():
            self._conn = sqlite3.connect(self.path)
        try:
            with self._guard():
                self._open_schema()
        except WorkbenchError:
            self._conn.close()
            raise

    def __enter__(self) -> "MarketCache":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def read(
        self, ticker: str, interval: str, adjusted: bool, start: date | None = None, end: date | None = None
    ) -> pd.DataFrame:
        """Cached bars from start to end (calendar days, both included) as a canonical frame."""
        low = _seconds(start) if start is not None else -(2**63)
        high = _seconds(end + timedelta(days=1)) if end is not None else 2**63 - 1
        with self._guard():
            rows = self._conn.execute(
                f"SELECT ts, open, high, low, close, volume FROM bars WHERE {_KEY} AND ts >= ? AND ts < ? ORDER BY ts",
                (ticker, interval, int(adjusted), low, high),
            ).fetchall()
        if not rows:
            return empty_ohlcv()
        table = np.array(rows, dtype=np.float64)  # NULL (a NaN written earlier) becomes NaN
        return make_ohlcv(pd.DatetimeIndex(table[:, 0].astype(np.int64).astype("datetime64[s]")), table[:, 1:])

    def write(
        self, ticker: str, interval: str, adjusted: bool, frame: pd.DataFrame, *, from_listing: bool = False
    ) -> None:
        """Insert or replace the frame's bars in one transaction.

        from_listing=True records that the series' bars begin at the first bar Yahoo has,
        so a later load from the beginning need not ask for older bars.
        """
        seconds = frame.index.to_numpy().astype("datetime64[s]").astype(np.int64).tolist()
        columns = [frame[col].to_numpy(dtype=np.float64).tolist() for col in OHLCV_COLUMNS]
        key = (ticker, interval, int(adjusted))
        with self._guard(), self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO bars VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((*key, *row) for row in zip(seconds, *columns)),
            )
            if from_listing:
                self._conn.execute("INSERT OR REPLACE INTO listed_from_start VALUES (?, ?, ?)", key)

    def coverage(self, ticker: str, interval: str, adjusted: bool) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """(first, last) cached bar of a series, or None when nothing is cached."""
        with self._guard():
            first, last = self._conn.execute(
                f"SELECT MIN(ts), MAX(ts) FROM bars WHERE {_KEY}", (ticker, interval, int(adjusted))
            ).fetchone()
        if first is None:
            return None
        return pd.Timestamp(first, unit="s"), pd.Timestamp(last, unit="s")

    def starts_at_listing(self, ticker: str, interval: str, adjusted: bool) -> bool:
        """Whether the cached bars begin at the first bar Yahoo has (see write)."""
        with self._guard():
            row = self._conn.execute(f"SELECT 1 FROM listed_from_start WHERE {_KEY}", (ticker, interval, int(adjusted)))
            return row.fetchone() is not None

    def _open_schema(self) -> None:
        tables = {name for (name,) in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "schema_version" not in tables:
            raise WorkbenchError(
                f"{self.path} is an SQLite file but not a market-data cache. "
                "Choose another cache file; this one was left untouched."
            )
        self._conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        with self._conn:
            for statement in _TABLES:
                self._conn.execute(statement)
            row = self._conn.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                self._conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            elif row[0] != SCHEMA_VERSION:
                raise WorkbenchError(
                    f"The market-data cache {self.path} has format version {row[0]}, this workbench uses "
                    f"{SCHEMA_VERSION}. Delete the file (it is only a cache; data is downloaded again)."
                )

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite failures into messages that say which file and what to do."""
        try:
            yield
        except sqlite3.OperationalError as exc:  # locked, read-only, disk full: the file itself is fine
            raise WorkbenchError(
                f"Could not use the market-data cache {self.path} ({exc}). Close other copies of the "
                "workbench and check that the folder is writable and the disk is not full."
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise WorkbenchError(
                f"The market-data cache file is damaged ({exc}): {self.path}. Delete it: it is only a "
                "cache, and the data is downloaded again."
            ) from exc


def _seconds(day: date) -> int:
    return (pd.Timestamp(day).normalize() - pd.Timestamp(0)) // _ONE_SECOND
