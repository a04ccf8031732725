"""The run store: every finished backtest and anomaly run, with what rebuilds it, in one SQLite file.

A run is written in a single transaction (config, seed, data fingerprint, metrics,
predictions, equity, trades, folds, final models and scalers), so a crash or a kill
leaves either the whole run or none of it. Tables are stored as gzipped CSV, models as
state_dict bytes read back with torch.load(weights_only=True).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import pickle
import sqlite3
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import platformdirs
import torch

from engine.anomaly_config import AnomalyRunConfig
from engine.anomaly_result import AnomalyResult
from engine.folds import Fold
from engine.errors import WorkbenchError
from engine.results import BacktestResult, ResultWarning
from engine.runs import RunConfig

SCHEMA_VERSION = 1
_ONE_LEDGER_VERSION = 2  # the run config version that brought the one-ledger trading statistics
_TABLES = ("predictions", "metrics", "equity", "trades", "run_stats")  # run_stats: not in runs before v2
_ANOMALY_TABLES = ("bars", "summary", "history")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    name TEXT NOT NULL,
    config TEXT NOT NULL,
    seed INTEGER NOT NULL,
    data_fingerprint TEXT NOT NULL,
    folds TEXT NOT NULL,
    warnings TEXT NOT NULL,
    conventions TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tables (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    csv_gz BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS anomaly_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    name TEXT NOT NULL,
    config TEXT NOT NULL,
    data_fingerprint TEXT NOT NULL,
    series TEXT NOT NULL,
    threshold REAL NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS anomaly_tables (
    run_id INTEGER NOT NULL REFERENCES anomaly_runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    csv_gz BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS models (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    ticker TEXT NOT NULL,
    model TEXT NOT NULL,
    state BLOB NOT NULL,
    scalers TEXT NOT NULL,
    PRIMARY KEY (run_id, ticker, model)
);
"""


@dataclass(frozen=True)
class StoredRun:
    id: int
    created: str
    name: str
    config: RunConfig
    data_fingerprint: str
    result: BacktestResult
    notice: str | None = None  # set when an older version stored it: what is out of date, and how to renew it


@dataclass(frozen=True)
class StoredAnomalies:
    id: int
    created: str
    name: str
    config: AnomalyRunConfig
    data_fingerprint: str
    result: AnomalyResult


@dataclass(frozen=True)
class StoreContents:
    """Every run of a store as read at once: the whole ones, oldest first, and why the others could not be read."""

    runs: tuple[StoredRun, ...]
    damaged: Mapping[int, str]  # run id → the message of its WorkbenchError


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir("stock-workbench")) / "runs.sqlite"


def data_fingerprint(bars_by_ticker: Mapping[str, pd.DataFrame]) -> str:
    """A short hash of every bar a run saw: equal fingerprints mean equal data."""
    digest = hashlib.sha256()
    for ticker in sorted(bars_by_ticker):
        bars = bars_by_ticker[ticker]
        digest.update(ticker.encode())
        digest.update(bars.index.asi8.tobytes())
        digest.update(np.ascontiguousarray(bars.to_numpy(dtype=np.float64)).tobytes())
    return digest.hexdigest()[:16]


class RunStore:
    """Open with `with RunStore(path) as store:`; a damaged or locked file is a clear WorkbenchError."""

    def __init__(self, path: Path | None = None, *, timeout_s: float = 5.0):
        self.path = Path(path) if path is not None else default_store_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._connection = sqlite3.connect(self.path, timeout=timeout_s)
        except (OSError, sqlite3.Error) as error:
            raise WorkbenchError(f"Cannot open the run store {self.path} ({error}). Check that the folder exists "
                                 "and can be written to.") from error
        try:
            self._connection.execute("PRAGMA foreign_keys = ON")
            self._connection.execute("PRAGMA journal_mode = WAL")
            with self._connection:
                self._connection.executescript(_SCHEMA)
                self._connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                                         (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as error:
            self._connection.close()
            raise self._unusable(error) from error

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._connection.close()

    def save(self, config: RunConfig, result: BacktestResult, *, fingerprint: str, name: str = "",
             models: Mapping[tuple[str, str], tuple[Mapping, Mapping]] | None = None) -> int:
        """Write a whole run in one transaction and return its id."""
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        label = name or f"{'+'.join(config.data.series_names)} · {', '.join(m.arch for m in config.models)}"
        folds = json.dumps([_fold_to_dict(fold) for fold in result.folds])
        try:
            with self._connection:
                cursor = self._connection.execute(
                    "INSERT INTO runs (created, name, config, seed, data_fingerprint, folds, warnings, conventions) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (created, label, config.to_json(), config.training.seed, fingerprint, folds,
                     json.dumps([asdict(warning) for warning in result.warnings]), result.conventions))
                run_id = cursor.lastrowid
                self._connection.executemany(
                    "INSERT INTO tables VALUES (?, ?, ?)",
                    [(run_id, table, _frame_to_blob(getattr(result, table))) for table in _TABLES])
                self._connection.executemany(
                    "INSERT INTO models VALUES (?, ?, ?, ?, ?)",
                    [(run_id, ticker, model, _state_to_blob(state), json.dumps(scalers))
                     for (ticker, model), (state, scalers) in (models or {}).items()])
        except sqlite3.DatabaseError as error:
            raise self._unusable(error) from error
        return run_id

    def list_runs(self) -> pd.DataFrame:
        """One row per stored run, newest first: id, created, name, seed, data_fingerprint, tickers, models."""
        rows = self._query("SELECT id, created, name, seed, data_fingerprint, config FROM runs ORDER BY id DESC")
        records = []
        for run_id, created, name, seed, fingerprint, config_json in rows:
            try:
                config = json.loads(config_json)
                tickers = ", ".join(config["data"]["tickers"])
                models = ", ".join(m["arch"] for m in config["models"])
            except (ValueError, KeyError, TypeError):
                tickers, models = "damaged", "damaged"  # listed, so it can still be deleted
            records.append({"id": run_id, "created": created, "name": name, "seed": seed,
                            "data_fingerprint": fingerprint, "tickers": tickers, "models": models})
        return pd.DataFrame(records, columns=["id", "created", "name", "seed", "data_fingerprint", "tickers",
                                              "models"])

    def load(self, run_id: int) -> StoredRun:
        rows = self._query("SELECT created, name, config, data_fingerprint, folds, warnings, conventions "
                           "FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise WorkbenchError(f"There is no stored run {run_id}: pick one from the list of runs.")
        created, name, config_json, fingerprint, folds, warnings, conventions = rows[0]
        tables = dict(self._query("SELECT name, csv_gz FROM tables WHERE run_id = ?", (run_id,)))
        try:
            frames = {table: _blob_to_frame(tables[table]) for table in _TABLES if table in tables}
            result = BacktestResult(**frames, folds=tuple(_fold_from_dict(f) for f in json.loads(folds)),
                                    warnings=tuple(ResultWarning.from_stored(w) for w in json.loads(warnings)),
                                    conventions=conventions)
            config = RunConfig.from_json(config_json)
            version = json.loads(config_json)["version"]
        except (OSError, EOFError, ValueError, KeyError, TypeError, WorkbenchError) as error:
            raise WorkbenchError(f"Run {run_id} in the run store {self.path} is damaged ({type(error).__name__}): "
                                 "delete it; the other runs are not affected.") from error
        return StoredRun(run_id, created, name, config, fingerprint, result, _older_version_notice(run_id, version))

    def load_all(self) -> StoreContents:
        """Read every stored run; a damaged one is listed with its message, the others still load."""
        runs, damaged = [], {}
        for run_id in [int(i) for i in self.list_runs()["id"]][::-1]:
            try:
                runs.append(self.load(run_id))
            except WorkbenchError as error:
                damaged[run_id] = str(error)
        return StoreContents(tuple(runs), damaged)

    def load_model_state(self, run_id: int, ticker: str, model: str) -> tuple[dict, dict]:
        """The final fold's weights (a state_dict) and scaler parameters of one model."""
        rows = self._query("SELECT state, scalers FROM models WHERE run_id = ? AND ticker = ? AND model = ?",
                           (run_id, ticker, model))
        if not rows:
            raise WorkbenchError(f"Run {run_id} has no saved model {model!r} for {ticker}.")
        state, scalers = rows[0]
        try:
            return torch.load(io.BytesIO(state), map_location="cpu", weights_only=True), json.loads(scalers)
        except pickle.UnpicklingError as error:
            raise WorkbenchError(f"The saved model {model!r} of run {run_id} was refused: it holds objects other "
                                 "than plain weights, which could run code. Delete the run.") from error
        except (RuntimeError, EOFError, ValueError) as error:
            raise WorkbenchError(f"The saved model {model!r} of run {run_id} is damaged: delete the run and "
                                 "run it again.") from error

    def delete(self, run_id: int) -> None:
        """Remove a run and everything stored with it; a run that is not there is an error."""
        self._delete("runs", run_id, "run")

    def save_anomalies(self, config: AnomalyRunConfig, result: AnomalyResult, *, fingerprint: str) -> int:
        """Write a whole anomaly run in one transaction and return its id (anomaly runs number apart)."""
        created = datetime.now(timezone.utc).isoformat(timespec="seconds")
        name = f"{result.series} · {config.model.arch}, window {config.detection.window}"
        try:
            with self._connection:
                run_id = self._connection.execute(
                    "INSERT INTO anomaly_runs (created, name, config, data_fingerprint, series, threshold, message) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (created, name, config.to_json(), fingerprint, result.series, result.threshold,
                     result.message)).lastrowid
                self._connection.executemany("INSERT INTO anomaly_tables VALUES (?, ?, ?)", [
                    (run_id, table, _frame_to_blob(getattr(result, table))) for table in _ANOMALY_TABLES])
        except sqlite3.DatabaseError as error:
            raise self._unusable(error) from error
        return run_id

    def list_anomaly_runs(self) -> pd.DataFrame:
        """One row per stored anomaly run, newest first: id, created, name, series, threshold, data_fingerprint."""
        columns = ["id", "created", "name", "series", "threshold", "data_fingerprint"]
        rows = self._query(f"SELECT {', '.join(columns)} FROM anomaly_runs ORDER BY id DESC")
        return pd.DataFrame(rows, columns=columns)

    def load_anomalies(self, run_id: int) -> StoredAnomalies:
        rows = self._query("SELECT created, name, config, data_fingerprint, series, threshold, message "
                           "FROM anomaly_runs WHERE id = ?", (run_id,))
        if not rows:
            raise WorkbenchError(f"There is no stored anomaly run {run_id}: pick one from the list of anomaly runs.")
        created, name, config_json, fingerprint, series, threshold, message = rows[0]
        tables = dict(self._query("SELECT name, csv_gz FROM anomaly_tables WHERE run_id = ?", (run_id,)))
        try:
            frames = {table: _blob_to_frame(tables[table]) for table in _ANOMALY_TABLES}
            config = AnomalyRunConfig.from_json(config_json)
        except (OSError, EOFError, ValueError, KeyError, TypeError, WorkbenchError) as error:
            raise WorkbenchError(f"Anomaly run {run_id} in the run store {self.path} is damaged "
                                 f"({type(error).__name__}): delete it; the other runs are not affected.") from error
        return StoredAnomalies(run_id, created, name, config, fingerprint,
                               AnomalyResult(series, **frames, threshold=threshold, message=message))

    def delete_anomalies(self, run_id: int) -> None:
        """Remove an anomaly run and its tables; a run that is not there is an error."""
        self._delete("anomaly_runs", run_id, "anomaly run")

    def _delete(self, table: str, run_id: int, kind: str) -> None:
        try:
            with self._connection:
                deleted = self._connection.execute(f"DELETE FROM {table} WHERE id = ?", (run_id,)).rowcount
        except sqlite3.DatabaseError as error:
            raise self._unusable(error) from error
        if not deleted:
            raise WorkbenchError(f"There is no stored {kind} {run_id}: nothing was deleted. See the list of "
                                 f"{kind}s for their ids.")

    def _query(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        try:
            return self._connection.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as error:
            raise self._unusable(error) from error

    def _unusable(self, error: sqlite3.DatabaseError) -> WorkbenchError:
        if "locked" in str(error):
            return WorkbenchError(f"The run store {self.path} is locked by another program (perhaps a second "
                                  "copy of the app): close it and try again.")
        return WorkbenchError(f"The run store {self.path} is damaged ({error}). Move the file aside to start a "
                              "new store; your data cache and exported files are not affected.")


def _frame_to_blob(frame: pd.DataFrame) -> bytes:
    return gzip.compress(frame.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S").encode())


def _blob_to_frame(blob: bytes) -> pd.DataFrame:
    frame = pd.read_csv(io.BytesIO(gzip.decompress(blob)))
    for column in frame.columns:
        if column in {"date", "target_date", "realized_date", "entry_time", "exit_time", "Start", "End"}:
            frame[column] = pd.to_datetime(frame[column])
    return frame


def _state_to_blob(state: Mapping) -> bytes:
    buffer = io.BytesIO()
    torch.save({name: tensor.detach().cpu() for name, tensor in state.items()}, buffer)
    return buffer.getvalue()


def _fold_to_dict(fold: Fold) -> dict:
    return {key: value.isoformat() if isinstance(value, pd.Timestamp) else value
            for key, value in asdict(fold).items()}


def _fold_from_dict(data: Mapping) -> Fold:
    """A stored fold; fields an older version did not store keep their defaults."""
    return Fold(**{key: pd.Timestamp(value) if key.endswith(("_start", "_end")) and value else value
                   for key, value in data.items() if key in _FOLD_FIELDS})


_FOLD_FIELDS = {f.name for f in fields(Fold)}


def _older_version_notice(run_id: int, version: int) -> str | None:
    """What a run stored before the one-ledger trading statistics (config version 2) lacks, and the way out."""
    if version >= _ONE_LEDGER_VERSION:
        return None
    return (f"Run {run_id} was stored by an older version of the workbench: its settings load, but its equity, "
            "trades and statistics follow the old conventions (shorts rebalanced every bar, Sharpe from the annual "
            "return, no cost for closing at the end) and it has no return before costs, no drawdown duration in "
            f"days and a linear baseline trained by gradient descent. Re-run it (main.py runs rerun {run_id}, or "
            "Re-run in Compare) for numbers on the current conventions.")
