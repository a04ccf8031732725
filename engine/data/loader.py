"""Load a ticker's bars: a bundled sample, or the cache topped up from Yahoo.

The cache holds one contiguous run of bars per (ticker, interval, adjusted). A load
asks Yahoo only for what lies outside it: the days before its first bar when the
start is earlier, and from its last bar's day on (that bar may have been taken
mid-session) when the end is later or open. New bars are written in one transaction.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from engine.data.cache import MarketCache
from engine.data.frame import format_ts
from engine.data.quality import QualityReport, build_report
from engine.data.samples import SAMPLE_TICKERS, load_sample
from engine.data.validate import NanPolicy, validate_ohlcv
from engine.data.yahoo import (
    INTRADAY_DAYS,
    Downloader,
    DownloadError,
    check_interval,
    download_with_retry,
    earliest_start,
)
from engine.errors import WorkbenchError

_TICKER = re.compile(r"[A-Z0-9.^=\-]{1,20}")
Span = tuple[date | None, date | None]  # calendar days, both included; None: open-ended


@dataclass(frozen=True)
class LoadedSeries:
    """A loaded ticker: its canonical frame, quality report and where the bars came from."""

    ticker: str
    frame: pd.DataFrame
    report: QualityReport
    notice: str | None  # something the user should know although loading worked, e.g. offline
    source: Literal["sample", "cache", "download"]  # "download": Yahoo sent bars during this load


def clean_ticker(ticker: str) -> str:
    """The ticker stripped and upper-cased; a WorkbenchError if it has characters a symbol never has."""
    symbol = ticker.strip().upper()
    if not _TICKER.fullmatch(symbol):
        shown = ticker.strip() if len(ticker.strip()) <= 30 else ticker.strip()[:30] + "..."
        raise WorkbenchError(
            f"Ticker {shown!r} is not valid: use 1 to 20 of the characters A-Z, 0-9 and . ^ = - "
            "(e.g. AAPL, ^GSPC, EURUSD=X, BRK-B)."
        )
    return symbol


def load_ticker(
    ticker: str,
    *,
    start: date | None = None,
    end: date | None = None,
    interval: str = "1d",
    adjusted: bool = True,
    cache: MarketCache | None = None,
    downloader: Downloader = download_with_retry,
    nan_policy: NanPolicy = "drop",
) -> LoadedSeries:
    """Bars of one ticker from start to end (calendar days, both included; None: all / up to now).

    Sample tickers come from resources/; others from the cache (default file when cache
    is None), topped up through `downloader`. If Yahoo fails, cached bars are used and
    `notice` says so; with nothing cached the failure is a WorkbenchError.
    """
    symbol = clean_ticker(ticker)
    interval = check_interval(interval)
    start, end = _day(start), _day(end)
    if start is not None and end is not None and start > end:
        raise WorkbenchError(f"The start date {start} is after the end date {end}: swap them.")
    if symbol in SAMPLE_TICKERS:
        return _load_sample(symbol, start, end, interval, adjusted)
    if cache is None:
        with MarketCache() as default_cache:
            return _load_through_cache(symbol, start, end, interval, adjusted, default_cache, downloader, nan_policy)
    return _load_through_cache(symbol, start, end, interval, adjusted, cache, downloader, nan_policy)


def load_tickers(tickers: Sequence[str], *, cache: MarketCache | None = None, **options) -> list[LoadedSeries]:
    """load_ticker for each ticker, in order, sharing one cache; `options` are load_ticker's keywords."""
    if cache is None:
        with MarketCache() as default_cache:
            return load_tickers(tickers, cache=default_cache, **options)
    return [load_ticker(ticker, cache=cache, **options) for ticker in tickers]


def _load_sample(symbol: str, start: date | None, end: date | None, interval: str, adjusted: bool) -> LoadedSeries:
    if interval != "1d":
        raise WorkbenchError(f"The {symbol} sample has daily bars only: choose the 1d interval.")
    frame, report = load_sample(symbol, adjusted=adjusted)
    if start is not None or end is not None:
        whole = frame
        frame = frame[_within(frame.index, start, end)]
        if frame.empty:
            raise WorkbenchError(
                f"The {symbol} sample has no bars from {start or 'its start'} to {end or 'its end'}: it covers "
                f"{format_ts(whole.index[0])} to {format_ts(whole.index[-1])}. Choose dates in that range."
            )
        report = build_report(frame, report.source)
    return LoadedSeries(symbol, frame, report, None, "sample")


def _load_through_cache(
    symbol: str,
    start: date | None,
    end: date | None,
    interval: str,
    adjusted: bool,
    cache: MarketCache,
    downloader: Downloader,
    nan_policy: NanPolicy,
) -> LoadedSeries:
    key = (symbol, interval, adjusted)
    spans, clipped = _spans_to_fetch(cache, key, start, end)
    fetched: list[pd.DataFrame] = []
    failure = None
    for first, last in spans:
        try:
            fetched.append(downloader(symbol, first, last, interval, adjusted))
        except DownloadError as exc:
            failure = str(exc)
            break
    if fetched:
        from_listing = any(first is None for first, _ in spans[: len(fetched)])
        cache.write(*key, pd.concat(fetched), from_listing=from_listing)

    frame = cache.read(*key, start, end)
    if frame.empty:
        raise _nothing_loaded(symbol, start, end, interval, failure, clipped, cache.coverage(*key))
    notices = [clipped] if clipped else []
    if failure:
        notices.append(f"offline — using cached {symbol} up to {format_ts(frame.index[-1])} ({failure})")
    frame, report = validate_ohlcv(frame, symbol, nan_policy=nan_policy)
    downloaded = any(len(bars) for bars in fetched)
    return LoadedSeries(symbol, frame, report, "; ".join(notices) or None, "download" if downloaded else "cache")


def _spans_to_fetch(
    cache: MarketCache, key: tuple[str, str, bool], start: date | None, end: date | None
) -> tuple[list[Span], str | None]:
    """The spans to ask Yahoo for, and a note when Yahoo's intraday limit cut the request."""
    coverage = cache.coverage(*key)
    if coverage is None:
        spans: list[Span] = [(start, end)]
    else:
        first, last = coverage[0].date(), coverage[1].date()
        spans = []
        if (start is None and not cache.starts_at_listing(*key)) or (start is not None and start < first):
            spans.append((start, first - timedelta(days=1)))
        if end is None or end > last:
            spans.append((last, end))  # from the last cached day: that bar may have been taken mid-session
    interval = key[1]
    limit = earliest_start(interval, date.today())
    if limit is None:
        return spans, None
    cut = any(first is not None and first < limit for first, _ in spans)
    kept = [(max(first or limit, limit), last) for first, last in spans if last is None or last >= limit]
    note = f"Yahoo keeps {interval} bars for the last {INTRADAY_DAYS[interval]} days only (none before {limit})"
    return kept, note if cut else None


def _nothing_loaded(
    symbol: str,
    start: date | None,
    end: date | None,
    interval: str,
    failure: str | None,
    clipped: str | None,
    coverage: tuple[pd.Timestamp, pd.Timestamp] | None,
) -> WorkbenchError:
    if failure:
        return WorkbenchError(
            f"Could not download {symbol} ({failure}). Check your internet connection, or import the data as a CSV file."
        )
    if clipped:
        return WorkbenchError(f"No {interval} bars for {symbol}: {clipped}. Choose a later start or a daily interval.")
    span = "" if start is None and end is None else f" from {start or 'the start'} to {end or 'today'}"
    if coverage is None:
        return WorkbenchError(
            f"Unknown ticker '{symbol}': Yahoo returned no data{span}. "
            f"Check the symbol (e.g. AAPL, ^GSPC, EURUSD=X){' and the dates,' if span else ''} or import a CSV."
        )
    return WorkbenchError(
        f"{symbol} has no {interval} bars{span} (bars exist from {format_ts(coverage[0])} "
        f"to {format_ts(coverage[1])}). Choose a wider date range."
    )


def _day(value: date | None) -> date | None:
    """A calendar day from a date, datetime or Timestamp."""
    return None if value is None else pd.Timestamp(value).date()


def _within(index: pd.DatetimeIndex, start: date | None, end: date | None) -> np.ndarray:
    keep = np.ones(len(index), dtype=bool)
    if start is not None:
        keep &= index >= pd.Timestamp(start)
    if end is not None:
        keep &= index < pd.Timestamp(end + timedelta(days=1))
    return keep
