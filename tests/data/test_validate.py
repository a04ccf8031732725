import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.data import OHLCV_COLUMNS, validate_ohlcv
from engine.errors import WorkbenchError


def bars(rows: list[list[object]], start: str = "2020-01-01") -> pd.DataFrame:
    """A frame with OHLCV column names, one row per day from start."""
    return pd.DataFrame(rows, columns=list(OHLCV_COLUMNS), index=pd.date_range(start, periods=len(rows)))


GOOD = [10.0, 12.0, 9.0, 11.0, 100.0]


def test_text_numbers_become_canonical_floats():
    frame, report = validate_ohlcv(bars([["10", "12", "9", "11", "100"], GOOD]), "T")

    assert frame.dtypes.tolist() == [np.float64] * 5
    assert frame.index.name == "date" and frame.index.dtype == "datetime64[us]"
    assert report.rows == 2 and report.source == "T"


def test_non_numeric_value_names_row_date_column_and_value():
    frame = bars([GOOD, GOOD, [10, "12,5x", 9, 11, 100], [10, 12, 9, "n/a?", 100]])

    with pytest.raises(WorkbenchError) as error:
        validate_ohlcv(frame, "AAPL")

    assert str(error.value) == (
        "AAPL, row 3 (2020-01-03): high is '12,5x', which is not a number. Correct or delete that row and load again."
    )


@pytest.mark.parametrize("token", ["", "NaN", "null", "N/A", "-", None])
def test_missing_value_tokens_are_missing_not_errors(token):
    _, report = validate_ohlcv(bars([GOOD, [10, 12, 9, token, 100], GOOD]), "T")

    assert report.nan_rows_dropped == 1


def test_nan_and_inf_rows_dropped_or_filled():
    rows = [[np.nan, 12, 9, 11, 100], GOOD, [10, 12, 9, np.inf, 100], [10, 12, np.nan, 11, 100], GOOD]

    dropped, dropped_report = validate_ohlcv(bars(rows), "T", nan_policy="drop")
    filled, filled_report = validate_ohlcv(bars(rows), "T", nan_policy="ffill")

    assert len(dropped) == 2 and dropped_report.nan_rows_dropped == 3 and dropped_report.nan_rows_filled == 0
    # the first row has no earlier bar to fill from, so it is dropped either way
    assert len(filled) == 4 and filled_report.nan_rows_filled == 2 and filled_report.nan_rows_dropped == 1
    assert np.isfinite(filled.to_numpy()).all()
    assert filled.loc["2020-01-03", "close"] == 11.0


def test_fill_follows_dates_not_row_order():
    frame = bars([GOOD, [20, 22, 19, 21, 5], [np.nan] * 5])
    frame.index = pd.to_datetime(["2020-01-02", "2020-01-01", "2020-01-03"])

    filled, _ = validate_ohlcv(frame, "T", nan_policy="ffill")

    assert filled.loc["2020-01-03"].tolist() == GOOD


def test_all_rows_missing():
    with pytest.raises(WorkbenchError, match=r"T: every row \(2\) has missing or infinite values"):
        validate_ohlcv(bars([[np.nan] * 5, [np.nan] * 5]), "T")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([0, 12, 9, 11, 100], r"T, row 2 \(2020-01-02\): open is 0, but prices must be above 0\. Correct or delete"),
        ([10, 12, 9, -11, 100], r"T, row 2 \(2020-01-02\): close is -11, but prices must be above 0"),
        ([10, 12, 9, 11, -1], r"T, row 2 \(2020-01-02\): volume is -1, but volume cannot be negative"),
        ([10, 9, 12, 11, 100], r"T, row 2 \(2020-01-02\): high 9 is below low 12\. Check that the High and Low"),
    ],
    ids=["zero-price", "negative-close", "negative-volume", "high-below-low"],
)
def test_impossible_prices(row, message):
    with pytest.raises(WorkbenchError, match=message):
        validate_ohlcv(bars([GOOD, row, GOOD]), "T")


def test_duplicate_timestamps_name_the_first_duplicated_date():
    frame = bars([GOOD] * 4)
    frame.index = pd.to_datetime(["2020-01-05", "2020-01-02", "2020-01-05", "2020-01-02"])

    with pytest.raises(WorkbenchError) as error:
        validate_ohlcv(frame, "T")

    assert str(error.value) == "T: rows 2 and 4 have the same date 2020-01-02. Delete the duplicate row and load again."


def test_row_without_a_date():
    frame = bars([GOOD, GOOD])
    frame.index = pd.DatetimeIndex(["2020-01-01", None])

    with pytest.raises(WorkbenchError, match="T: row 2 has no date. Add its date or delete that row."):
        validate_ohlcv(frame, "T")


def test_missing_columns_are_listed():
    with pytest.raises(WorkbenchError, match=r"T: missing columns low, volume \(found open, high, close\)"):
        validate_ohlcv(bars([GOOD])[["open", "high", "close"]], "T")


def test_found_columns_never_echo_control_characters():
    frame = bars([GOOD]).rename(columns={"low": "l\x00\x1bow"})
    with pytest.raises(WorkbenchError, match=r"\(found open, high, l\?\?ow, close, volume\)"):
        validate_ohlcv(frame, "T")


def test_row_numbers_from_the_caller_are_used_in_messages():
    with pytest.raises(WorkbenchError, match=r"T, row 41 \(2020-01-02\)"):
        validate_ohlcv(bars([GOOD, [10, 9, 12, 11, 100]]), "T", row_numbers=[40, 41])


def test_adj_close_column_scales_prices():
    frame = bars([GOOD]).assign(adj_close=5.5)

    adjusted, _ = validate_ohlcv(frame, "T")

    assert adjusted.iloc[0].tolist() == [5.0, 6.0, 4.5, 5.5, 100.0]
    assert list(adjusted.columns) == list(OHLCV_COLUMNS)


@given(
    arrays(np.float64, st.tuples(st.integers(1, 40), st.just(5)), elements=st.floats(0.5, 1e6)),
    st.randoms(use_true_random=False),
)
def test_valid_bars_come_back_sorted_and_unchanged(values, random):
    values[:, 1] = values.max(axis=1)  # high is the largest, low the smallest: a consistent bar
    values[:, 2] = values[:, [0, 3, 4]].min(axis=1)
    frame = bars(values.tolist())
    shuffled = frame.iloc[random.sample(range(len(frame)), len(frame))]

    result, report = validate_ohlcv(shuffled, "T")

    pd.testing.assert_frame_equal(result, frame, check_names=False, check_freq=False)
    assert report.rows == len(frame) and report.nan_rows_dropped == 0
