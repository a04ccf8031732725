"""The fold timeline on hand-made folds."""
from __future__ import annotations

import pandas as pd

from engine.folds import Fold


def test_one_fold_labels_its_axis_without_a_scale_factor(qtbot):
    """Regression: with one fold the rows span under one unit and the axis read "Fold (x0.001)", cut to
    "Fold (x0.00…"."""
    from gui.views.fold_timeline import FoldTimeline

    timeline = FoldTimeline()
    qtbot.addWidget(timeline)
    timeline.resize(600, 200)
    timeline.show()
    dates = pd.bdate_range("2020-01-01", periods=60)
    timeline.set_folds([Fold(ticker="X", model="mlp", index=0, train_start=dates[0], train_end=dates[39],
                             val_start=dates[30], val_end=dates[39], test_start=dates[40], test_end=dates[-1],
                             scaler_fit_start=dates[0], scaler_fit_end=dates[39], epochs_run=3, best_epoch=2,
                             warm_started=False)])
    timeline.grab()
    axis = timeline.plot.getAxis("left")
    assert timeline.row_count == 1
    assert axis.labelString().count("Fold") == 1 and "x0" not in axis.labelString()
    assert axis.autoSIPrefixScale == 1.0
