"""The Training tab after a fit: every fit's diagnosis, the attention heatmap of attention models, and the learning
curve drawn from its button on the worker thread."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from engine.diagnosis import TITLES


def test_a_train_run_shows_its_diagnoses_attention_and_learning_curve(window, qtbot, tiny):
    tiny(window, ("attention_lstm", "patchtst"), epochs=2)
    window.train()
    view = window.training_view
    qtbot.waitUntil(lambda: not window.runs.running and view.results.rowCount() == 2, timeout=120_000)

    verdicts = view.diagnoses.verdicts()
    assert [who for who, _ in verdicts] == ["1 · attention_lstm", "1 · patchtst"]
    assert all(title in TITLES.values() for _, title in verdicts)
    assert view._rows["patchtst"].status.text().endswith(verdicts[1][1])  # the verdict beside its progress bar

    attention = view.attention
    assert view.insights.currentWidget() is attention
    assert [attention.model.itemText(i) for i in range(attention.model.count())] == ["attention_lstm", "patchtst"]
    newest = attention.shown_weights()
    assert newest.shape == (10,) and np.isclose(newest.sum(), 1.0)
    attention.sample.setValue(1)
    assert not np.allclose(attention.shown_weights(), newest) and "window ending" in attention.when.text()
    attention.model.setCurrentText("patchtst")
    assert np.isclose(attention.shown_weights().sum(), 1.0)

    curve = view.learning_curve
    assert curve.button.isEnabled()
    qtbot.mouseClick(curve.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "attention_lstm</b>:" in curve.reading.text() and curve.button.isEnabled(),
                    timeout=120_000)
    assert "patchtst</b>:" in curve.reading.text()
    assert len(curve.plot.listDataItems()) == 4  # training and validation per model

