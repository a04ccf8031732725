"""The Training tab during a Train & Backtest: one faded curve pair per earlier fold, the current fold in front.

Synthetic engine events fed straight to the view: no data, no training, no window.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from engine.backtest import FoldTraining
from engine.train import BatchProgress, EpochReport, TrainingEnded
from gui.views import TrainingView
from gui.views.training_view import _KEEP_FOLDS

MODELS = ("gru", "linear")


def _config(epochs: int = 5, tickers: tuple[str, ...] = ("SP500",)):
    return SimpleNamespace(training=SimpleNamespace(epochs=epochs), classification=False,
                           data=SimpleNamespace(tickers=tickers, csv_files=()))


def _epoch(epoch: int, fold: int) -> EpochReport:
    return EpochReport(epoch=epoch, epochs=5, train_loss=1.0 / (epoch + fold), val_loss=1.2 / (epoch + fold),
                       learning_rate=1e-3, elapsed_s=0.1 * epoch, eta_s=0.1, best_epoch=epoch, lr_reduced=False)


def _ended(epochs: int) -> TrainingEnded:
    return TrainingEnded(reason="completed", epochs_run=epochs, best_epoch=epochs, best_loss=0.1,
                         message="done", device="cpu", captured=False, trained=True)


@pytest.fixture
def view(qtbot) -> TrainingView:
    view = TrainingView()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    view.start_run(1, _config(), list(MODELS))
    return view


def _fold(view, fold: int, epochs: int, folds: int = 3, ticker: str = "SP500") -> None:
    for model in MODELS:
        for epoch in range(1, epochs + 1):
            view.on_fold_event(FoldTraining(ticker, model, fold, folds, _epoch(epoch, fold)))
        view.on_fold_event(FoldTraining(ticker, model, fold, folds, _ended(epochs)))


def _width_alpha(item) -> tuple[float, float]:
    pen = item.opts["pen"]
    return pen.widthF(), pen.color().alphaF()


def test_each_model_keeps_one_curve_pair_per_fold_with_the_current_one_in_front(view, qtbot):
    for fold, epochs in enumerate((4, 3)):
        _fold(view, fold, epochs)
    # The third fold starts: 2 epochs, then more epochs of the same fold reuse its items.
    for model in MODELS:
        for epoch in (1, 2):
            view.on_fold_event(FoldTraining("SP500", model, 2, 3, _epoch(epoch, 2)))
    current = {model: (view.trace(model).train, view.trace(model).val) for model in MODELS}
    for model in MODELS:
        view.on_fold_event(FoldTraining("SP500", model, 2, 3, _epoch(3, 2)))
    qtbot.waitUntil(lambda: all(view.curve_points(model) == (3, 3) for model in MODELS))

    plotted = set(view.plot.listDataItems())
    for model in MODELS:
        traces = view.fold_traces(model)
        assert [t.fold for t in traces] == [("SP500", 0), ("SP500", 1), ("SP500", 2)]
        assert len({id(t.train) for t in traces} | {id(t.val) for t in traces}) == 6  # 3 pairs of their own
        assert all(t.train in plotted and t.val in plotted for t in traces)
        # The earlier folds still hold every epoch they drew.
        assert [view.curve_points(model, t) for t in traces[:2]] == [(4, 4), (3, 3)]
        assert traces[-1] is view.trace(model) and (traces[-1].train, traces[-1].val) == current[model]
        # The current fold is the strong one; earlier folds are thin and see-through, without markers.
        strong, faded = _width_alpha(traces[-1].train), [_width_alpha(t.train) for t in traces[:2]]
        assert strong == (2, 1.0)
        assert all(width < strong[0] and alpha < 0.5 for width, alpha in faded)
        assert all(not t.best.isVisible() and t.train.isVisible() for t in traces[:2])
        assert all(t.train.zValue() < traces[-1].train.zValue() for t in traces[:2])  # drawn under the current
        assert traces[-1].name == f"{model} · fold 3/3"
    legend = [label.text for _, label in view.legend.items]
    assert legend == ["gru · fold 3/3", "linear · fold 3/3"]
    assert "fold 3/3" in view._rows["gru"].name.text() and "faded" in view.legend_hint.text()


def test_old_folds_leave_the_plot_beyond_the_cap_and_a_plain_run_starts_clean(view):
    folds = _KEEP_FOLDS + 3
    for fold in range(folds):
        _fold(view, fold, 1, folds=folds)
    first = view.fold_traces("gru")[0]
    assert len(view.fold_traces("gru")) == _KEEP_FOLDS
    assert first.fold == ("SP500", 3)
    assert len(view.plot.listDataItems()) == len(MODELS) * _KEEP_FOLDS * 4  # train, val and two marker items
    view.on_fold_event(FoldTraining("SP500", "gru", folds, folds + 1, _epoch(1, folds)))
    assert len(view.fold_traces("gru")) == _KEEP_FOLDS and first.train not in view.plot.listDataItems()

    # A plain Train run afterwards: one trace per model, named by the model only, as before folds existed.
    view.start_run(2, _config(), ["gru"])
    assert view.fold_traces("gru") == [view.trace("gru")] and view.trace("gru").points == 0
    assert [label.text for _, label in view.legend.items] == ["gru"]
    assert "faded" not in view.legend_hint.text()
    assert _width_alpha(view.trace("gru").train) == (2, 1.0)


def test_several_series_name_the_ticker_of_the_current_fold(qtbot):
    view = TrainingView()
    qtbot.addWidget(view)
    view.start_run(1, _config(tickers=("SP500", "AAPL")), ["gru"])
    view.on_fold_event(FoldTraining("AAPL", "gru", 6, 25, _epoch(1, 6)))
    assert view.trace("gru").name == "gru · AAPL fold 7/25"
    view.on_fold_event(FoldTraining("NOPE", "lstm", 0, 2, _epoch(1, 0)))  # a model the run did not announce
    assert "lstm" not in view._traces


def test_a_new_fold_restarts_the_progress_row_with_its_own_epoch_count(view):
    row = view._rows["gru"]
    view.on_fold_event(FoldTraining("SP500", "gru", 0, 3, _epoch(5, 0)))  # fold 1's last epoch: 0.1 s left
    view.on_fold_event(FoldTraining("SP500", "gru", 0, 3, _ended(5)))
    # A warm-started fold 2 trains 2 epochs, not the run's 5; its first batch arrives before any epoch report.
    view.on_fold_event(FoldTraining("SP500", "gru", 1, 3, BatchProgress(epoch=1, epochs=2, batch=4, batches=8)))
    assert row.ended is None and row.last_report is None
    assert row.bar.value() == 250  # half of the first of 2 epochs: nothing carried over from fold 1
    assert row.status.text() == "epoch 1/2 · batch 4/8"  # no "left" figure before the fold's first epoch


def test_a_fold_of_a_single_epoch_shows_as_a_dot(view, qtbot):
    view.on_fold_event(FoldTraining("SP500", "gru", 0, 3, _epoch(1, 0)))
    qtbot.waitUntil(lambda: view.curve_points("gru") == (1, 1))
    assert view.trace("gru").train.opts["symbol"] == "o"  # one point draws no line
    view.on_fold_event(FoldTraining("SP500", "gru", 0, 3, _epoch(2, 0)))
    qtbot.waitUntil(lambda: view.curve_points("gru") == (2, 2))
    assert view.trace("gru").train.opts["symbol"] is None


def test_the_epoch_axis_ticks_whole_epochs_only(view):
    axis = view.plot.getAxis("bottom")
    for low, high in ((0.5, 2.5), (0.5, 7.5), (0, 480)):
        ticks = [value for _, values in axis.tickValues(low, high, 600) for value in values]
        assert ticks and all(float(value).is_integer() for value in ticks)
        assert len(ticks) == len(set(ticks))
