"""The one place that talks to Yahoo Finance (through yfinance), plus its retry wrapper."""

import textwrap
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.data.frame import OHLCV_COLUMNS, empty_ohlcv, make_ohlcv
from engine.errors import WorkbenchError

INTERVALS = ("1m", "2m", "5m", "15m", "30m", "1h", "90m", "1d", "5d", "1wk", "1mo", "3mo")
# How many days back Yahoo serves intraday bars (1m: a 7-day window per request).
INTRADAY_DAYS = {"1m": 7, "2m": 60, "5m": 60, "15m": 60, "30m": 60, "90m": 60, "1h": 730}


class DownloadError(Exception):
    """Yahoo could not be reached, refused the request, or answered nonsense."""


Downloader = Callable[[str, date | None, date | None, str, bool], pd.DataFrame]


def check_interval(interval: str) -> str:
    """The interval in Yahoo's spelling ('60m' is '1h'); a WorkbenchError if Yahoo has no such bars."""
    name = "1h" if interval.strip().lower() == "60m" else interval.strip().lower()
    if name not in INTERVALS:
        raise WorkbenchError(f"Interval {interval!r} is not one Yahoo offers: use one of {', '.join(INTERVALS)}.")
    return name


def earliest_start(interval: str, today: date) -> date | None:
    """The first day Yahoo still serves bars of this interval, or None when there is no limit."""
    days = INTRADAY_DAYS.get(interval)
    return None if days is None else today - timedelta(days=days - 1)  # a day short: Yahoo counts back from now


def download_yahoo(ticker: str, start: date | None, end: date | None, interval: str, adjusted: bool) -> pd.DataFrame:
    """Bars from start to end (calendar days, both included; None: as far as Yahoo goes) as a canonical frame.

    Returns an empty frame when Yahoo has no bars (unknown ticker, empty range). Raises
    DownloadError when Yahoo cannot be reached or refuses. An intraday start older than
    Yahoo keeps is moved up to the earliest day it serves.
    """
    import yfinance as yf  # imported on first download: it costs start-up time and is rarely needed offline
    from yfinance.exceptions import YFRateLimitError, YFTickerMissingError

    yf.config.debug.hide_exceptions = False  # else yfinance logs network errors and returns an empty frame
    limit = earliest_start(interval, date.today())
    if limit is not None and (start is None or start < limit):
        start = limit
    options: dict[str, object] = {"interval": interval, "auto_adjust": adjusted, "actions": False}
    if start is None:
        options["period"] = "max"
    else:
        options["start"] = start
    if end is not None:
        options["end"] = end + timedelta(days=1)  # yfinance's end is exclusive
    try:
        raw = yf.Ticker(ticker).history(**options)
    except YFTickerMissingError:  # unknown symbol, or no bars in the range
        return empty_ohlcv()
    except YFRateLimitError as exc:
        raise DownloadError("Yahoo is limiting requests, try again in a few minutes") from exc
    except OSError as exc:  # curl_cffi's connection errors are OSErrors
        raise DownloadError(f"no connection to Yahoo: {type(exc).__name__}") from exc
    except Exception as exc:  # HTTP and parsing failures come in many types
        raise DownloadError(f"Yahoo request failed: {_first_line(exc)}") from exc
    if raw.empty:
        return empty_ohlcv()
    raw = raw.rename(columns=str.lower)
    return make_ohlcv(pd.DatetimeIndex(raw.index), raw[list(OHLCV_COLUMNS)].to_numpy(dtype=np.float64))


def download_with_retry(
    ticker: str,
    start: date | None,
    end: date | None,
    interval: str,
    adjusted: bool,
    *,
    attempts: int = 3,
    first_delay: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    download: Downloader = download_yahoo,
) -> pd.DataFrame:
    """download_yahoo, tried `attempts` times with delays of first_delay, 2x, 4x... between tries."""
    for attempt in range(attempts - 1):
        try:
            return download(ticker, start, end, interval, adjusted)
        except DownloadError:
            sleep(first_delay * 2**attempt)
    return download(ticker, start, end, interval, adjusted)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return textwrap.shorten(text.splitlines()[0], 120) if text else type(error).__name__
