"""Feature columns and prediction targets computed from an OHLCV frame.

Every feature at bar t uses bars <= t only; every target at bar t describes bar t + h
relative to the close of bar t. Both are pure, vectorised functions of the bars.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from engine.errors import WorkbenchError

TargetKind = Literal["close", "return", "log_return", "direction"]

FEATURES: dict[str, str] = {
    "open": "Opening price of the bar.",
    "high": "Highest price of the bar.",
    "low": "Lowest price of the bar.",
    "close": "Closing price of the bar.",
    "volume": "Traded volume of the bar.",
    "return": "Simple return close[t] / close[t-1] - 1.",
    "log_return": "Log return ln(close[t] / close[t-1]).",
    "log_volume": "ln(1 + volume): tames the huge range of volumes.",
    "hl_range": "(high - low) / close: how far the price moved inside the bar.",
    "volatility": "Standard deviation of log returns over the trailing volatility window.",
}

TARGETS: dict[str, str] = {
    "close": "The close h bars ahead, in price units.",
    "return": "Simple return from the close now to the close h bars ahead.",
    "log_return": "Log return from the close now to the close h bars ahead.",
    "direction": "1 if the close h bars ahead is higher than the close now, else 0 (classification).",
}


def feature_frame(bars: pd.DataFrame, names: Sequence[str], *, volatility_window: int = 20) -> pd.DataFrame:
    """The selected feature columns, causal: NaN during each feature's warm-up."""
    unknown = [name for name in names if name not in FEATURES]
    if unknown:
        raise WorkbenchError(f"Unknown feature(s) {unknown}: choose from {list(FEATURES)}.")
    if not names:
        raise WorkbenchError("No features selected: pick at least one, e.g. log_return.")
    close = bars["close"]
    log_return = np.log(close).diff()
    computed = {
        "return": lambda: close.pct_change(),
        "log_return": lambda: log_return,
        "log_volume": lambda: np.log1p(bars["volume"]),
        "hl_range": lambda: (bars["high"] - bars["low"]) / close,
        "volatility": lambda: log_return.rolling(volatility_window).std(),
    }
    columns = {name: computed[name]() if name in computed else bars[name] for name in names}
    return pd.DataFrame(columns, index=bars.index).astype(np.float64)


def target_frame(bars: pd.DataFrame, kind: TargetKind, horizons: Sequence[int]) -> pd.DataFrame:
    """One column per horizon h: row t holds the target for bar t + h (NaN past the end)."""
    if kind not in TARGETS:
        raise WorkbenchError(f"Unknown target {kind!r}: choose from {list(TARGETS)}.")
    close = bars["close"]
    columns = {}
    for h in horizons:
        future = close.shift(-h)
        if kind == "close":
            column = future
        elif kind == "return":
            column = future / close - 1.0
        elif kind == "log_return":
            column = np.log(future / close)
        else:
            column = (future > close).astype(np.float64).where(future.notna())
        columns[f"t+{h}"] = column
    return pd.DataFrame(columns, index=bars.index).astype(np.float64)


def target_to_price(kind: TargetKind, values: np.ndarray, reference_close: np.ndarray) -> np.ndarray:
    """Turn regression target values back into prices, given the close each was measured from."""
    reference = reference_close.reshape(-1, *([1] * (values.ndim - 1)))
    if kind == "close":
        return values
    if kind == "return":
        return reference * (1.0 + values)
    if kind == "log_return":
        return reference * np.exp(values)
    raise WorkbenchError("A direction target predicts up/down, not a price: choose a regression target to see prices.")


def no_change_forecast(kind: TargetKind, reference_close: np.ndarray, n_horizons: int) -> np.ndarray:
    """The naive persistence forecast in target units: tomorrow's close equals today's."""
    if kind == "close":
        return np.repeat(reference_close[:, None], n_horizons, axis=1).astype(np.float64)
    if kind in ("return", "log_return"):
        return np.zeros((len(reference_close), n_horizons))
    raise WorkbenchError("A direction target has no no-change forecast: compare it with always-up instead.")


def expected_return(predictions: pd.DataFrame, target: str) -> pd.Series:
    """The forecast as a return from the decision bar's close, whatever the target was."""
    if target == "direction":
        return predictions["predicted"] - 0.5  # a probability above one half is a predicted rise
    if target == "close":
        return predictions["predicted"] / predictions["reference_close"] - 1
    if target == "log_return":
        return np.expm1(predictions["predicted"])
    return predictions["predicted"]


def predicted_price(predictions: pd.DataFrame, target: str) -> pd.Series:
    """The forecast as a price, for regression targets."""
    return pd.Series(target_to_price(target, predictions["predicted"].to_numpy(),
                                     predictions["reference_close"].to_numpy()), index=predictions.index)
