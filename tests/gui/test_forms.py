"""Scrolling a long form with the mouse wheel scrolls it; it never changes the field under the pointer."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea

from gui.panels.run_panel import RunPanel


def _wheel_down(widget) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_panel_past_fields_until_one_is_clicked_into(qtbot):
    panel = RunPanel()
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(panel)
    scroll.resize(400, 250)
    qtbot.addWidget(scroll)
    scroll.show()
    qtbot.waitExposed(scroll)
    optimizer, epochs = panel.training.fields["optimizer"], panel.training.fields["epochs"]
    chosen, count = optimizer.currentIndex(), epochs.value()

    for field in (optimizer, epochs):
        before = scroll.verticalScrollBar().value()
        _wheel_down(field)
        assert scroll.verticalScrollBar().value() > before  # the panel scrolled instead
    assert (optimizer.currentIndex(), epochs.value()) == (chosen, count)

    epochs.setFocus()
    qtbot.waitUntil(epochs.hasFocus)
    _wheel_down(epochs)
    assert epochs.value() == count - 1  # clicked into, the field takes the wheel


def _engine_message(config_class, **values) -> str:
    from engine.errors import WorkbenchError

    try:
        config_class(**values)
    except WorkbenchError as error:
        return str(error)
    raise AssertionError(f"{config_class.__name__}{values} was accepted")


def test_the_early_stopping_share_and_the_trading_amounts_reach_the_configs(qtbot):
    panel = RunPanel()
    qtbot.addWidget(panel)
    for name, value in (("early_stop_fraction", 0.25), ("position_size", 0.5), ("initial_capital", 25_000),
                        ("risk_free_rate", 0.02)):
        panel.set_value(name, value)
    assert panel.errors() == []
    assert panel.walk_forward_config().early_stop_fraction == 0.25
    assert panel.window_config().val_fraction == 0.15  # the fixed split's share is a field of its own
    trading = panel.trading_config()
    assert (trading.position_size, trading.initial_capital, trading.risk_free_rate) == (0.5, 25_000, 0.02)


def test_the_new_fields_show_the_engines_message_under_themselves(qtbot):
    from engine.fit_config import WalkForwardConfig
    from engine.trading import TradingConfig

    panel = RunPanel()
    qtbot.addWidget(panel)
    panel.show()
    wrong = {"early_stop_fraction": (panel.walk_forward, "wf_early_stop_fraction", WalkForwardConfig, 0.6),
             "position_size": (panel.trading, "position_size", TradingConfig, 0.0),
             "initial_capital": (panel.trading, "initial_capital", TradingConfig, 0.0)}
    for name, (_, _, _, value) in wrong.items():
        panel.set_value(name, value)
    problems = panel.errors()
    for name, (form, key, config_class, value) in wrong.items():
        message = _engine_message(config_class, **{name: value})
        assert message in problems
        assert form.errors[key].text() == message and form.errors[key].isVisibleTo(panel)


def test_every_field_has_help_that_says_where_it_acts(qtbot):
    panel = RunPanel()
    qtbot.addWidget(panel)
    helps = {name: widget.property("helpText") for form in panel.forms for name, widget in form.fields.items()}
    assert all(helps.values()), [name for name, text in helps.items() if not text]
    for name in [*panel.walk_forward.fields, *panel.trading.fields]:
        assert helps[name].endswith("Acts in Train & Backtest only."), name
    assert "Acts in Train (the fixed split) only" in helps["val_fraction"]
    assert "early-stopping share" in helps["val_fraction"]
    assert "not the Validation share" in helps["wf_early_stop_fraction"]
    assert "(1 + rate)^(1 / periods a year) − 1" in helps["risk_free_rate"]


def test_the_bootstrap_resamples_reach_the_trading_config_and_the_engine_guards_them(qtbot):
    from engine.trading import TradingConfig

    panel = RunPanel()
    qtbot.addWidget(panel)
    assert panel.trading_config().bootstrap_repetitions == TradingConfig().bootstrap_repetitions == 1000
    panel.set_value("bootstrap_repetitions", 250)
    assert panel.errors() == [] and panel.trading_config().bootstrap_repetitions == 250
    panel.set_value("bootstrap_repetitions", 5)
    assert _engine_message(TradingConfig, bootstrap_repetitions=5) in panel.errors()
    help_text = panel.field("bootstrap_repetitions").property("helpText")
    assert "slower but steadier" in help_text and "1000, the default" in help_text
