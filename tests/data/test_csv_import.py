from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.data import OHLCV_COLUMNS, read_ohlcv_csv
from engine.errors import WorkbenchError


def write(tmp_path: Path, text: str, name: str = "bars.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "rows", "first", "last", "interval"),
    [
        ("GOOG", 2148, "2004-08-19", "2013-03-01", "1d"),
        ("SP500", 5031, "1999-01-04", "2018-12-31", "1d"),
        ("EURUSD", 5000, "2017-04-19 09:00", "2018-02-07 15:00", "1h"),
        ("BTCUSD", 156, "2012-01-31", "2024-12-31", "1mo"),
    ],
)
def test_real_files_load_as_canonical_frames(real_csv, name, rows, first, last, interval):
    frame, report = read_ohlcv_csv(real_csv(name))

    assert list(frame.columns) == list(OHLCV_COLUMNS)
    assert (frame.dtypes == np.float64).all()
    assert frame.index.name == "date" and frame.index.tz is None and frame.index.dtype == "datetime64[us]"
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    assert len(frame) == report.rows == rows
    assert frame.index[0] == report.start == pd.Timestamp(first)
    assert frame.index[-1] == report.end == pd.Timestamp(last)
    assert report.interval == interval


def test_sp500_us_dates_are_month_first(real_csv):
    frame, _ = read_ohlcv_csv(real_csv("SP500"))

    assert list(frame.index[:3]) == list(pd.to_datetime(["1999-01-04", "1999-01-05", "1999-01-06"]))
    assert frame.loc["1999-01-04", "close"] == pytest.approx(1228.099976)


def test_eurusd_keeps_hours(real_csv):
    frame, _ = read_ohlcv_csv(real_csv("EURUSD"))

    assert frame.loc["2017-04-19 10:00", "open"] == pytest.approx(1.07214)
    assert (frame.index.hour != 0).any()


def test_adjusted_close_scales_prices_only_when_asked(tmp_path):
    path = write(
        tmp_path,
        "Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,10,12,9,11,5.5,100\n2020-01-03,11,13,10,12,6,200\n",
    )

    adjusted, _ = read_ohlcv_csv(path)
    raw, _ = read_ohlcv_csv(path, adjusted=False)

    assert adjusted.iloc[0].tolist() == [5.0, 6.0, 4.5, 5.5, 100.0]
    assert raw.iloc[0].tolist() == [10.0, 12.0, 9.0, 11.0, 100.0]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_read_like_commas(tmp_path, real_csv, goog, delimiter):
    text = real_csv("GOOG").read_text().replace(",", delimiter)

    frame, _ = read_ohlcv_csv(write(tmp_path, text))

    pd.testing.assert_frame_equal(frame, goog)


def test_semicolon_file_with_decimal_commas(tmp_path):
    path = write(tmp_path, "Date;Open;High;Low;Close;Volume\n2020-01-02;1,5;2,25;1,25;2;10\n")

    frame, _ = read_ohlcv_csv(path)

    assert frame.iloc[0].tolist() == [1.5, 2.25, 1.25, 2.0, 10.0]


def test_shuffled_rows_are_sorted(tmp_path, real_csv, goog):
    header, *rows = real_csv("GOOG").read_text().splitlines()
    shuffled = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]

    frame, _ = read_ohlcv_csv(write(tmp_path, "\n".join([header, *shuffled])))

    pd.testing.assert_frame_equal(frame, goog)


@pytest.mark.parametrize(
    "header",
    [
        "DATE,OPEN,HIGH,LOW,CLOSE,ADJ CLOSE,VOLUME",
        "date,open,high,low,close,adj_close,volume",
        "Timestamp,Open,High,Low,Close,AdjClose,Volume",
        " Datetime , Open , High , Low , Close , Adj. Close , Vol ",
    ],
)
def test_column_names_in_any_case_and_spelling(tmp_path, header):
    path = write(tmp_path, f"{header}\n2020-01-02,10,12,9,11,5.5,100\n")

    frame, _ = read_ohlcv_csv(path)

    assert frame.iloc[0].tolist() == [5.0, 6.0, 4.5, 5.5, 100.0]


def test_excel_serial_dates(tmp_path):
    path = write(tmp_path, "Date,Open,High,Low,Close,Volume\n43832,1,2,1,2,5\n43833.5,1,2,1,2,5\n")

    frame, _ = read_ohlcv_csv(path)

    assert list(frame.index) == [pd.Timestamp("2020-01-02"), pd.Timestamp("2020-01-03 12:00")]


def test_separate_date_and_time_columns(tmp_path):
    path = write(tmp_path, "Date,Time,Open,High,Low,Close,Volume\n2020-01-02,09:30,1,2,1,2,5\n2020-01-02,09:35,1,2,1,2,5\n")

    frame, report = read_ohlcv_csv(path)

    assert list(frame.index) == [pd.Timestamp("2020-01-02 09:30"), pd.Timestamp("2020-01-02 09:35")]
    assert report.interval == "5m"


def test_utc_offsets_keep_the_wall_clock_time(tmp_path):
    path = write(
        tmp_path,
        "Datetime,Open,High,Low,Close,Volume\n"
        "2020-03-06 09:30:00-05:00,1,2,1,2,5\n2020-03-09 09:30:00-04:00,1,2,1,2,5\n",
    )

    frame, _ = read_ohlcv_csv(path)

    assert list(frame.index) == [pd.Timestamp("2020-03-06 09:30"), pd.Timestamp("2020-03-09 09:30")]


def test_missing_volume_column_becomes_zero_with_a_warning(tmp_path):
    path = write(tmp_path, "Date,Open,High,Low,Close\n2020-01-02,1,2,1,2\n2020-01-03,1,2,1,2\n")

    frame, report = read_ohlcv_csv(path)

    assert (frame["volume"] == 0).all()
    assert any("has no Volume column" in warning for warning in report.warnings)


def test_nan_policy_reaches_validation(tmp_path):
    path = write(tmp_path, "Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,1,2,5\n2020-01-03,null,,,,\n2020-01-06,1,2,1,2,5\n")

    dropped, dropped_report = read_ohlcv_csv(path)
    filled, filled_report = read_ohlcv_csv(path, nan_policy="ffill")

    assert len(dropped) == 2 and dropped_report.nan_rows_dropped == 1
    assert len(filled) == 3 and filled_report.nan_rows_filled == 1


def test_file_not_found(tmp_path):
    with pytest.raises(WorkbenchError, match=r"File not found: .*nothere\.csv\. Check the path"):
        read_ohlcv_csv(tmp_path / "nothere.csv")


def test_empty_file(tmp_path):
    with pytest.raises(WorkbenchError, match=r"empty\.csv is empty\. Export the data again"):
        read_ohlcv_csv(write(tmp_path, "\n  \n", "empty.csv"))


def test_header_without_rows(tmp_path):
    with pytest.raises(WorkbenchError, match="has a header but no data rows"):
        read_ohlcv_csv(write(tmp_path, "Date,Open,High,Low,Close,Volume\n"))


def test_excel_workbook(tmp_path):
    with pytest.raises(WorkbenchError, match=r"prices\.xlsx is an Excel workbook\. Save it as CSV"):
        read_ohlcv_csv(write(tmp_path, "PK...", "prices.xlsx"))


def test_no_header(tmp_path, real_csv):
    rows = real_csv("GOOG").read_text().splitlines()[1:]

    with pytest.raises(WorkbenchError, match=r"bars\.csv has no header row .*2004-08-19.*Add a first line naming"):
        read_ohlcv_csv(write(tmp_path, "\n".join(rows)))


def test_missing_columns_lists_missing_and_found(tmp_path):
    path = write(tmp_path, "Date,Open,Close,Volume\n2020-01-02,1,2,5\n")

    with pytest.raises(WorkbenchError) as error:
        read_ohlcv_csv(path)

    assert "missing the column(s) High, Low" in str(error.value)
    assert "(found: Date, Open, Close, Volume)" in str(error.value)


def test_binary_file(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_bytes(bytes(range(256)) * 10)

    with pytest.raises(WorkbenchError) as error:
        read_ohlcv_csv(path)

    assert str(error.value) == ("prices.csv is not a text CSV file (it contains binary data): export it from your "
                                "spreadsheet as CSV and import again.")


def test_found_columns_are_shown_without_control_characters_and_cut_short(tmp_path):
    path = write(tmp_path, f"Da\x01te,Open,{'Close' * 10}\n2020-01-02,1,2\n")

    with pytest.raises(WorkbenchError, match=r"\(found: Da\?te, Open, (Close){5}Clos…\)"):
        read_ohlcv_csv(path)


def test_utf16_text_from_excel_is_read(tmp_path, real_csv, goog):
    path = tmp_path / "unicode.txt"
    path.write_text(real_csv("GOOG").read_text().replace(",", "\t"), encoding="utf-16")

    frame, _ = read_ohlcv_csv(path)

    pd.testing.assert_frame_equal(frame, goog)


def test_unparseable_date_names_row_and_value(tmp_path):
    path = write(tmp_path, "Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,1,2,5\n\n2020-13-45,1,2,1,2,5\n")

    with pytest.raises(WorkbenchError, match=r"bars\.csv, row 4: cannot read the date '2020-13-45'\. Use dates like"):
        read_ohlcv_csv(path)


def test_non_numeric_value_names_the_file_row(tmp_path):
    path = write(tmp_path, "Date,Open,High,Low,Close,Volume\n1/3/2020,1,2,1,2,5\n1/2/2020,1,2,1,abc,5\n")

    with pytest.raises(WorkbenchError, match=r"bars\.csv, row 3 \(2020-01-02\): close is 'abc', which is not a number"):
        read_ohlcv_csv(path)


def test_duplicate_date_names_both_rows(tmp_path):
    path = write(tmp_path, "Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,1,2,5\n2020-01-03,1,2,1,2,5\n2020-01-02,1,2,1,2,5\n")

    with pytest.raises(WorkbenchError, match=r"rows 2 and 4 have the same date 2020-01-02\. Delete the duplicate row"):
        read_ohlcv_csv(path)


def test_named_date_column_wins_over_an_unnamed_index(tmp_path, goog):
    path = tmp_path / "reset_index.csv"
    goog.reset_index().rename(columns=str.title).to_csv(path)  # writes an unnamed 0, 1, 2... column first

    frame, _ = read_ohlcv_csv(path)

    pd.testing.assert_frame_equal(frame, goog)
