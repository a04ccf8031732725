"""The Data panel's exchange calendar: it reaches the Data tab's report, the run's DataConfig and the settings."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from engine.data.quality import AUTO_CALENDAR, COMMON_CALENDARS, check_calendar
from engine.errors import WorkbenchError
from gui.panels.data_panel import DataPanel

PREVIEW_TIMEOUT_MS = 60_000


def _engine_message(name: str) -> str:
    with pytest.raises(WorkbenchError) as caught:
        check_calendar(name)
    return str(caught.value)


def _type_calendar(qtbot, panel: DataPanel, text: str) -> None:
    panel.calendar.setFocus()
    panel.calendar.lineEdit().selectAll()
    qtbot.keyClicks(panel.calendar.lineEdit(), text)


def _sessions_line(window) -> str:
    return next(line for line in window.data_view._series["SP500"].report_lines if "sessions" in line)


def test_the_panel_offers_auto_first_then_the_engines_common_calendars(qtbot):
    panel = DataPanel()
    qtbot.addWidget(panel)
    names = [panel.calendar.itemText(i) for i in range(panel.calendar.count())]
    assert names == [AUTO_CALENDAR, *COMMON_CALENDARS]
    assert panel.calendar.currentText() == AUTO_CALENDAR and panel.calendar.isEditable()
    assert "counts missing sessions against; auto infers it from the bars" in panel.calendar.property("helpText")
    assert panel.calendar.itemData(names.index("XLON"), Qt.ItemDataRole.ToolTipRole) == COMMON_CALENDARS["XLON"]


def test_a_typed_name_reaches_the_preview_and_the_data_config_as_the_engine_spells_it(qtbot):
    from engine.runs import DataConfig

    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.add_ticker("SP500")
    _type_calendar(qtbot, panel, "xlon")
    assert panel.preview_request().calendar == "XLON"
    assert DataConfig(**panel.data_values()).calendar == "XLON"
    assert panel.errors() == [] and panel.calendar_error.isHidden()


def test_an_unknown_name_shows_the_engines_message_under_the_field_while_typing(qtbot):
    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.add_ticker("SP500")
    _type_calendar(qtbot, panel, "XLNO")
    message = _engine_message("XLNO")
    assert panel.calendar_error.isVisible() and panel.calendar_error.text() == message
    assert panel.errors() == [message]
    assert panel.preview_request().calendar == AUTO_CALENDAR  # the Data tab's check stays on auto meanwhile
    _type_calendar(qtbot, panel, "XNYS")
    assert panel.calendar_error.isHidden() and panel.errors() == []


def test_choosing_xlon_rewords_the_data_tabs_report_and_reaches_the_run(window, qtbot):
    assert "XNYS calendar, inferred from the bars" in _sessions_line(window)
    window.data_panel.calendar.setCurrentText("XLON")
    qtbot.waitUntil(lambda: window.preview.request.calendar == "XLON", timeout=PREVIEW_TIMEOUT_MS)
    assert "(XLON calendar" in _sessions_line(window) and "inferred" not in _sessions_line(window)
    assert "XLON calendar" in window.data_view.quality.text()
    assert window.build_run_config().data.calendar == "XLON"
    assert window.train_button.isEnabled()


def test_an_unknown_calendar_turns_train_off_with_the_engines_message_and_no_dialog(window, qtbot, dialogs):
    _type_calendar(qtbot, window.data_panel, "NOWHERE")
    message = _engine_message("NOWHERE")
    assert message in window.train_problems and message in window.backtest_problems
    assert not window.train_button.isEnabled() and not window.backtest_button.isEnabled()
    assert window.reason.text().startswith(message)
    qtbot.wait(400)  # past the preview's typing delay: the Data tab reloads on auto, quietly
    qtbot.waitUntil(lambda: not window.preview_loading, timeout=PREVIEW_TIMEOUT_MS)
    assert dialogs.shown == []
    assert "XNYS calendar, inferred from the bars" in _sessions_line(window)


def test_the_calendar_is_remembered_between_launches(make_window, settings_path):
    first = make_window()
    first.data_panel.calendar.setCurrentText("XTSE")
    first.close()
    second = make_window(settings_path, since_2015=False)
    assert second.data_panel.calendar.currentText() == "XTSE"
    assert second.data_panel.preview_request().calendar == "XTSE"
