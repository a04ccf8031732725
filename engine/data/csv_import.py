"""Import an OHLCV CSV file in the shapes users actually have.

Delimiter , ; tab or |; column names in any case (Date/Datetime/Timestamp/Time or an
unnamed first column, Open, High, Low, Close, optional Adj Close and Volume); rows in
any order; ISO, US M/D/YYYY (preferred over D/M/YYYY when both fit), D.M.YYYY, with
or without times, or Excel serial numbers. Decimal commas are accepted when the
delimiter is not a comma.
"""

import codecs
import dataclasses
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from engine.data.frame import OHLCV_COLUMNS
from engine.data.quality import QualityReport
from engine.data.validate import NanPolicy, column_names, validate_ohlcv
from engine.errors import WorkbenchError

_DELIMITERS = (",", ";", "\t", "|")
_DATE_NAMES = ("date", "datetime", "timestamp", "time")  # by priority; a "time" beside a "date" is joined to it
_FIELD_NAMES = {
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adjclose": "adj_close",
    "adjustedclose": "adj_close",
    "volume": "volume",
    "vol": "volume",
}
_REQUIRED = ("date", "open", "high", "low", "close")
_DATE_FORMATS = (
    "ISO8601",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%y",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%Y%m%d",
)
_EXCEL_SERIALS = (20_000, 80_000)  # 1954..2119: numbers in this range in a date column are Excel days
_UTC_OFFSET = r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|[+-]\d{2}:?\d{2})$"  # keep the exchange's wall-clock time
_HELP = "The file needs Date, Open, High, Low and Close columns (Adj Close and Volume are optional)"


def read_ohlcv_csv(
    path: str | Path, *, adjusted: bool = True, nan_policy: NanPolicy = "drop"
) -> tuple[pd.DataFrame, QualityReport]:
    """Read a CSV of bars into the canonical frame and its quality report.

    With adjusted=True and an Adj Close column, open/high/low/close are scaled by
    adj_close / close. Errors name the file and the row as a spreadsheet numbers it
    (the header is row 1).
    """
    path = Path(path)
    text = _read_text(path)
    name = path.name
    lines = text.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.strip())
    delimiter = max(_DELIMITERS, key=lines[header_at].count)
    try:
        raw = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise WorkbenchError(
            f"{name} could not be read as CSV ({str(exc).splitlines()[0]}). "
            "Save it as a CSV file (comma, semicolon or tab separated) and import again."
        ) from exc
    columns = _find_columns(raw, name, lines[header_at])

    # pandas skips blank lines but keeps lines of bare delimiters (',,,,'); drop those too
    data_at = [i for i in range(header_at + 1, len(lines)) if lines[i].strip()]
    if len(data_at) == len(raw):
        empty = np.array([not lines[i].replace(delimiter, "").strip() for i in data_at], dtype=bool)
        raw, line_numbers = raw[~empty], np.array(data_at, dtype=int)[~empty] + 1
    else:  # quoted line breaks: number the rows instead
        line_numbers = np.arange(header_at + 2, header_at + 2 + len(raw))
    if raw.empty:
        raise WorkbenchError(f"{name} has a header but no data rows. Export the data again with its rows.")

    date_text = raw[columns["date"]].fillna("")
    if "time" in columns:
        date_text = date_text + " " + raw[columns["time"]].fillna("")
    dates = _parse_dates(date_text, line_numbers, name)
    fields = [*OHLCV_COLUMNS, *(["adj_close"] if adjusted and "adj_close" in columns else [])]
    frame = pd.DataFrame(
        {
            field: _decimal_points(raw[columns[field]], delimiter).to_numpy() if field in columns else "0"
            for field in fields
        },
        index=dates,
    )
    canonical, report = validate_ohlcv(frame, name, nan_policy=nan_policy, row_numbers=line_numbers)
    if "volume" not in columns:
        report = dataclasses.replace(report, warnings=(*report.warnings, f"{name} has no Volume column: volume is set to 0."))
    return canonical, report


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise WorkbenchError(f"File not found: {path}. Check the path, or pick the file again.")
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        raise WorkbenchError(f"{path.name} is an Excel workbook. Save it as CSV in Excel (File > Save As) and import the CSV.")
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode Text"
        text = data.decode("utf-16", errors="replace")
    else:
        text = _decode(data, path.name)
    if not text.strip():
        raise WorkbenchError(f"{path} is empty. Export the data again, or pick another file.")
    return text


def _decode(data: bytes, name: str) -> str:
    """UTF-8, else Windows-1252; bytes that are neither, or any NUL byte (git's test), mean the file is not text."""
    if b"\x00" not in data:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                pass
    raise WorkbenchError(f"{name} is not a text CSV file (it contains binary data): export it from your spreadsheet "
                         "as CSV and import again.")


def _find_columns(raw: pd.DataFrame, name: str, header: str) -> dict[str, str]:
    """Map date/time/open/high/low/close/adj_close/volume to the file's column names."""
    found: dict[str, str] = {}
    for column in raw.columns:
        key = re.sub(r"[\s_.\-]", "", str(column).lower())
        field = _FIELD_NAMES.get(key, key if key in _DATE_NAMES else None)
        if field is not None and field not in found:
            found[field] = column
    if "date" not in found:
        alias = next((alias for alias in _DATE_NAMES[1:] if alias in found), None)
        if alias is not None:
            found["date"] = found.pop(alias)
        elif str(raw.columns[0]).startswith("Unnamed:"):  # pandas' name for an empty first header cell
            found["date"] = raw.columns[0]
    missing = [field for field in _REQUIRED if field not in found]
    if not missing:
        return found
    if len(missing) == len(_REQUIRED) and re.fullmatch(r"[\d.,/:\- ]+", str(raw.columns[0]).strip()):
        raise WorkbenchError(
            f"{name} has no header row (its first line is {header[:60]!r}). "
            "Add a first line naming the columns, e.g. Date,Open,High,Low,Close,Volume, and import again."
        )
    raise WorkbenchError(
        f"{name} is missing the column(s) {', '.join(m.title() for m in missing)} "
        f"(found: {column_names(raw.columns)}). {_HELP}: rename its header to match."
    )


def _parse_dates(text: pd.Series, line_numbers: np.ndarray, name: str) -> pd.DatetimeIndex:
    text = text.str.strip()
    if re.search(_UTC_OFFSET, text.iloc[0]):
        text = text.str.replace(_UTC_OFFSET, r"\1", regex=True)
    serials = pd.to_numeric(text, errors="coerce")
    if serials.notna().all() and serials.between(*_EXCEL_SERIALS).all():
        return pd.DatetimeIndex(pd.to_datetime(serials, unit="D", origin="1899-12-30")).round("s")
    best = None
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if parsed.notna().all():
            return pd.DatetimeIndex(parsed)
        if best is None or parsed.notna().sum() > best.notna().sum():
            best = parsed
    i = int(best.isna().to_numpy().argmax())
    raise WorkbenchError(
        f"{name}, row {line_numbers[i]}: cannot read the date {text.iloc[i]!r}. "
        "Use dates like 2024-01-31, 1/31/2024 or 2024-01-31 09:30 in every row, then import again."
    )


def _decimal_points(cells: pd.Series, delimiter: str) -> pd.Series:
    """Turn decimal commas ('1,5') into points, unless the comma is the delimiter or the column has points."""
    if delimiter == "," or cells.str.contains(".", regex=False).any():
        return cells
    return cells.str.replace(",", ".", regex=False)
