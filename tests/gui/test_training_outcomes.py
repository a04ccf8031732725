"""The Training tab words how each model's fit ended; one cancelled before its first epoch reads as not trained.

Synthetic engine events fed straight to the view: no data, no training, no window.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from engine.train import TrainingEnded
from gui.events import ModelEvaluated, ModelEvent
from gui.views import TrainingView

NOT_TRAINED = "not trained (cancelled before its first epoch)"


def _ended(reason: str, epochs: int, trained: bool = True) -> TrainingEnded:
    message = "Not trained: cancelled before its first epoch." if not trained else f"{reason} after {epochs}"
    return TrainingEnded(reason=reason, epochs_run=epochs, best_epoch=epochs, best_loss=0.1 if trained else
                         float("inf"), device="cpu", captured=False, message=message, trained=trained)


@pytest.fixture
def view(qtbot) -> TrainingView:
    view = TrainingView()
    qtbot.addWidget(view)
    view.show()
    config = SimpleNamespace(training=SimpleNamespace(epochs=3), classification=False,
                             data=SimpleNamespace(tickers=("SP500",), csv_files=()))
    view.start_run(1, config, ["linear", "mlp"])
    return view


def _cells(view, row: int) -> list[str]:
    return [view.results.item(row, c).text() for c in range(view.results.columnCount())]


def test_a_model_cancelled_before_its_first_epoch_reads_as_not_trained_and_has_no_scores(view):
    view.on_model_event(ModelEvent("linear", _ended("completed", 3)))
    view.on_model_event(ModelEvent("mlp", _ended("cancelled", 0, trained=False)))
    view.on_evaluated(ModelEvaluated("linear", {"Theil's U": 0.98}))
    view.on_evaluated(ModelEvaluated("mlp", {}))
    assert view._rows["linear"].status.text() == "done after 3 epochs · best epoch 3"
    assert view._rows["mlp"].status.text() == NOT_TRAINED
    assert _cells(view, 0) == ["1 · linear", "done", "3", "3", "0.1", "0.98"]
    assert _cells(view, 1) == ["1 · mlp", NOT_TRAINED, "0", "", "", ""]
    assert view.results.item(1, 1).toolTip() == "Not trained: cancelled before its first epoch."
