"""The window's parts seen by a user: the shortcuts list, the date fields, the overall time left of a
backtest, the last stored run after a restart, and a small screen."""
from __future__ import annotations

from PySide6.QtCore import QDate

from gui.help_dialogs import shortcuts_table

RUN_TIMEOUT_MS = 180_000


def _walk(window, tiny, archs=("linear", "mlp")) -> None:
    tiny(window, archs=archs, epochs=2)
    window.run_panel.set_value("initial_train", 400)
    window.run_panel.set_value("retrain_every", 200)


def test_the_shortcuts_list_shows_the_ampersand_of_train_and_backtest(window):
    table = shortcuts_table(window.actions())
    assert "Train &amp; Backtest" in table and "<td style='padding-right:18px'>Train</td>" in table
    assert "Import CSV…" in table  # a mnemonic's '&' is dropped


def test_reversed_dates_are_said_under_the_fields_without_a_dialog(window, qtbot, dialogs):
    panel = window.data_panel
    panel.use_end.setChecked(True)
    panel.end.setDate(QDate(2010, 1, 1))  # before From, 2015-01-01
    qtbot.wait(400)  # past the preview's typing delay
    assert not panel.date_error.isHidden() and "swap them" in panel.date_error.text()
    assert dialogs.shown == [] and not window.train_button.isEnabled()
    panel.end.setDate(QDate(2020, 1, 1))
    qtbot.waitUntil(window.train_button.isEnabled, timeout=30_000)
    assert panel.date_error.isHidden() and dialogs.shown == []


def test_a_backtest_shows_its_overall_time_left_in_the_status_line(window, qtbot, tiny):
    _walk(window, tiny, archs=("mlp",))
    seen: list[tuple[str, str]] = []  # (event type, activity line) after the window handled each event
    window.runs.sigEvent.connect(lambda run, event: seen.append((type(event).__name__, window.activity.text())))
    with qtbot.waitSignal(window.runs.sigFinished, timeout=RUN_TIMEOUT_MS):
        window.backtest()
    kinds = [kind for kind, _ in seen]
    assert "TimeEstimate" in kinds and "BacktestProgress" in kinds
    after_first_fold = [text for kind, text in seen[kinds.index("BacktestProgress"):] if kind == "FoldTraining"]
    assert after_first_fold and all("left overall" in text for text in after_first_fold)
    assert "folds done" in [text for kind, text in seen if kind == "BacktestProgress"][-1]


def test_after_a_restart_the_backtest_and_training_tabs_show_the_last_stored_run(make_window, qtbot, tiny,
                                                                                settings_path):
    first = make_window()
    _walk(first, tiny, archs=("linear",))
    with qtbot.waitSignal(first.runs.sigFinished, timeout=RUN_TIMEOUT_MS) as finished:
        first.backtest()
    run_id = finished.args[1].run_id
    first.tabs.setCurrentWidget(first.data_view)
    first.close()

    second = make_window(settings_path)
    assert second.tabs.currentWidget() is second.data_view  # the restored tab stays in front
    qtbot.waitUntil(lambda: second.backtest_view.equity_trace("SP500", "linear", 1) is not None, timeout=30_000)
    assert f"run #{run_id}" in second.training_view.heading.text()
    assert "Opened run #" in "\n".join(second.log_view.lines())


def test_on_a_1366_by_768_screen_train_and_the_status_bar_are_inside_the_window(make_window):
    window = make_window(size=(1366, 728))  # 768 less a taskbar
    assert window.height() <= 728 and window.width() <= 1366
    for widget in (window.train_button, window.backtest_button, window.statusBar()):
        corner = widget.mapTo(window, widget.rect().bottomRight())
        assert widget.isVisible() and window.rect().contains(corner), widget


def test_the_window_opens_fitted_to_the_available_screen_not_at_a_fixed_size(make_window):
    window = make_window(size=None, since_2015=False)
    room = window.screen().availableGeometry()  # the offscreen platform's screen is 800 high
    assert window.height() <= room.height() < 900
