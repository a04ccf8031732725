"""The worker's tasks called directly, with a fake emit and stop flag: no Qt involved."""
from __future__ import annotations

import pytest

from engine.errors import WorkbenchError
from engine.estimate import TimeEstimate
from gui.events import (
    ModelEvaluated,
    ModelEvent,
    PreviewRequest,
    RunResult,
    Stage,
    WindowsReady,
)
from gui.tasks import check_csv, estimate_run, load_preview, train_run


def tiny_config(archs=("linear", "mlp"), epochs=2):
    from engine.fit_config import TrainConfig
    from engine.runs import DataConfig, RunConfig
    from engine.windows import WindowConfig
    from models import fields_of, model_config_for

    return RunConfig(DataConfig(start="2015-01-01"), WindowConfig(window=10),
                     tuple(model_config_for(a, **fields_of(a, {"hidden_layers": (16,)})) for a in archs),
                     TrainConfig(epochs=epochs, patience=0, device="cpu"))


def test_preview_loads_the_sample_with_its_report_and_reports_bad_files(tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_text("")
    request = PreviewRequest(("SP500",), (str(bad),), "2015-01-01", None, "1d", "auto")
    result = load_preview(request, print, lambda: False)
    [series] = result.series
    assert series.name == "SP500" and series.source == "bundled sample" and series.notice is None
    assert series.first.startswith("2015-01-02") and series.rows == len(series.frame) > 900
    assert series.report_lines and "bars" in series.report_lines[0]
    [(name, message)] = result.failures
    assert name == "EMPTY" and "empty" in message


def test_a_csv_outside_the_dates_is_reported_not_raised(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("Date,Open,High,Low,Close\n2001-01-02,1,2,0.5,1.5\n2001-01-03,1,2,0.5,1.5\n")
    result = load_preview(PreviewRequest((), (str(path),), "2015-01-01", None, "1d", "auto"), print, lambda: False)
    assert not result.series and "covers 2001-01-02" in result.failures[0][1]


def test_preview_checks_every_series_against_the_requests_calendar(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("Date,Open,High,Low,Close\n2016-01-04,1,2,0.5,1.5\n2016-01-05,1,2,0.5,1.5\n")
    result = load_preview(PreviewRequest(("SP500",), (str(path),), "2015-01-01", None, "1d", "XLON"), print,
                          lambda: False)
    assert [s.name for s in result.series] == ["SP500", "MINE"] and not result.failures
    for series in result.series:
        assert any(line.startswith("Missing trading sessions (XLON calendar") for line in series.report_lines)


def test_check_csv_raises_the_engines_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(WorkbenchError, match="missing the column"):
        check_csv(str(path), print, lambda: False)


def test_a_run_reports_its_stages_in_order_and_returns_test_metrics():
    events = []
    result = train_run(tiny_config(), events.append, lambda: False)
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("WindowsReady") < kinds.index("TimeEstimate") < kinds.index("ModelEvent") \
        < kinds.index("ModelEvaluated")
    assert next(e.text for e in events if isinstance(e, Stage)) == "Loading data"
    estimate = next(e for e in events if isinstance(e, TimeEstimate))
    assert set(estimate.per_model_s) == {"linear", "mlp"} and estimate.total_s > 0
    epochs = [e for e in events if isinstance(e, ModelEvent) and type(e.event).__name__ == "EpochReport"]
    assert [(e.label, e.event.epoch) for e in epochs] == [("linear", 1), ("linear", 2), ("mlp", 1), ("mlp", 2)]
    assert isinstance(result, RunResult) and not result.cancelled
    assert set(result.metrics) == {"linear", "mlp"}
    assert [e.label for e in events if isinstance(e, ModelEvaluated)] == ["linear", "mlp"]
    windows = next(e for e in events if isinstance(e, WindowsReady))
    assert windows.train > windows.val > 0 and windows.window == 10


def test_a_run_stops_when_asked():
    events = []
    result = train_run(tiny_config(epochs=10_000), events.append,
                       lambda: sum(isinstance(e, ModelEvent) for e in events) > 3)
    assert result.cancelled and list(result.trained) == ["linear"]
    assert result.trained["linear"].outcome.reason == "cancelled"


def test_a_model_cancelled_in_its_first_epoch_is_not_scored_on_the_test_split():
    events = []

    def started_training() -> bool:  # stop once the first batch of the first model has run
        return any(isinstance(e, ModelEvent) and type(e.event).__name__ == "BatchProgress" for e in events)

    result = train_run(tiny_config(archs=("mlp",), epochs=5), events.append, started_training)
    ended = next(e.event for e in events if isinstance(e, ModelEvent) and type(e.event).__name__ == "TrainingEnded")
    assert (ended.reason, ended.epochs_run, ended.trained) == ("cancelled", 0, False)
    assert result.cancelled and result.trained == {} and result.metrics == {}
    assert [(e.label, e.metrics) for e in events if isinstance(e, ModelEvaluated)] == [("mlp", {})]


def test_estimate_times_real_steps_of_each_model():
    estimate = estimate_run(tiny_config(archs=("linear", "lstm")), print, lambda: False)
    assert set(estimate.per_model_s) == {"linear", "lstm"}
    assert all(seconds > 0 for seconds in estimate.per_model_s.values())
    assert estimate.total_s == pytest.approx(sum(estimate.per_model_s.values()))


def test_stored_runs_are_read_on_the_worker(tmp_path):
    from gui.tasks import read_stored_runs

    path = tmp_path / "runs.sqlite"
    stages = []
    contents = read_stored_runs(str(path), stages.append, lambda: False)
    assert contents.runs == () and contents.damaged == {}
    assert stages == [Stage("Reading the stored runs")]
