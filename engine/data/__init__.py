"""Market data: sources -> validated canonical OHLCV frames (+ quality report); the SQLite cache."""

from engine.data.cache import MarketCache
from engine.data.csv_import import read_ohlcv_csv
from engine.data.frame import OHLCV_COLUMNS
from engine.data.loader import LoadedSeries, load_ticker, load_tickers
from engine.data.quality import QualityReport
from engine.data.samples import SAMPLE_TICKERS, load_sample
from engine.data.validate import validate_ohlcv
from engine.data.yahoo import DownloadError, download_yahoo

__all__ = [
    "OHLCV_COLUMNS",
    "DownloadError",
    "LoadedSeries",
    "MarketCache",
    "QualityReport",
    "SAMPLE_TICKERS",
    "download_yahoo",
    "load_sample",
    "load_ticker",
    "load_tickers",
    "read_ohlcv_csv",
    "validate_ohlcv",
]
