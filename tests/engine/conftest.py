"""Engine fixtures: real bars small enough for a whole walk-forward in a few seconds."""
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def goog_bars(real_data) -> dict[str, pd.DataFrame]:
    """GOOG's first 330 daily bars, as {"GOOG": bars}."""
    frame = pd.read_csv(real_data / "GOOG_daily_2004_2013.csv", index_col=0, parse_dates=True)
    frame.columns = [c.lower() for c in frame.columns]
    return {"GOOG": frame.iloc[:330].astype(float)}
