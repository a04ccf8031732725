"""What the engine says in words about the Backtest tab's selection: its warnings in a banner, and its verdict
on the model's skill with the run's figures at that horizon under it, both in an area that keeps its room while a
walk runs."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from engine.significance import SIGNIFICANCE_LEVEL
from gui.backtest_state import BacktestState
from gui.theme import DARK, Theme, mix
from gui.views.metric_rules import run_stats_line, tested


class WarningBanner(QFrame):
    """The selection's warnings (ResultWarning records), or all of the run's; hidden when there are none."""

    def __init__(self, state: BacktestState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("backtestWarnings")
        self.icon = QLabel("⚠")
        self.icon.setObjectName("warningIcon")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.more = QToolButton()
        self.more.setCheckable(True)
        self.more.toggled.connect(self._toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.more, 0, Qt.AlignmentFlag.AlignTop)
        for event in ("reset", "selection"):
            state.connect(event, self.redraw)
        state.connect("result", self.redraw, deferred=True)  # after the charts: each gets its own paint
        self.redraw()

    def apply_theme(self, theme: Theme) -> None:
        self.setStyleSheet(
            f"QFrame#backtestWarnings {{ background: {mix(theme.warning, theme.window, 0.14)};"
            f" border: 1px solid {theme.warning}; border-left: 4px solid {theme.warning}; border-radius: 4px; }}"
            f" QFrame#backtestWarnings QLabel {{ color: {theme.text}; background: transparent; border: none; }}"
            f" QLabel#warningIcon {{ color: {theme.warning}; font-size: 16px; font-weight: 700; }}")

    def redraw(self) -> None:
        everything, warnings, mine = self.more.isChecked(), self.state.warnings, self.state.shown_warnings()
        if not warnings:
            self.hide()
            return
        shown, count = (list(warnings) if everything else mine), len(warnings)
        _, model, horizon = self.state.selection
        head = (f"<b>{count} warning{'s' if count > 1 else ''}</b> from the backtest"
                + (":" if everything else " — this selection:" if mine else
                   f" (none for {html.escape(model)}, {horizon}-bar)"))
        items = "".join(f"<li>{html.escape(w.text)}</li>" for w in shown)
        self.label.setText(f"{head}<ul style='margin: 2px 0 0 -24px'>{items}</ul>" if items else head)
        self.more.setVisible(len(mine) < count)
        self.more.setText("Show fewer" if everything else f"Show all {count}")
        self.show()

    @Slot(bool)
    def _toggled(self, on: bool) -> None:
        self.redraw()


class VerdictLine(QLabel):
    """The engine's verdict line on the selected model and its run's figures at this horizon, word for word;
    hidden for runs stored before the skill tests, which have neither."""

    def __init__(self, state: BacktestState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self._theme = DARK
        self.setObjectName("backtestVerdict")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setToolTip(_VERDICT_HELP)
        for event in ("reset", "selection"):
            state.connect(event, self.redraw)
        state.connect("result", self.redraw, deferred=True)  # after the charts: each gets its own paint
        self.redraw()

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.redraw()

    def redraw(self) -> None:
        state, theme = self.state, self._theme
        if state.result is None or not tested(state.result.metrics):
            self.hide()
            return
        line, stats = state.shown_verdict(), state.shown_run_stats()
        parts = []
        if line is not None:
            parts.append(f"<b>Skill or luck:</b> {html.escape(line['text'])}")
        if stats is not None:
            parts.append(f"<span style='color:{theme.muted}'><b>This run, {state.selection[2]}-bar:</b> "
                         f"{html.escape(run_stats_line(stats))}</span>")
        self.setText("<br>".join(parts))
        self.setVisible(bool(parts))
        edge = theme.success if line is not None and line["significant"] else theme.border
        self.setStyleSheet(f"QLabel#backtestVerdict {{ color: {theme.text}; background: "
                           f"{mix(edge, theme.window, 0.10)}; border-left: 4px solid {edge}; "
                           f"border-radius: 4px; padding: 4px 10px; }}")


class BacktestNotes(QWidget):
    """The warning banner above the verdict line. A walk has neither until it ends, and the area keeps the room the
    last ones took meanwhile, saying what will come there: the charts under it keep their size at the walk's start
    and end (each resize repaints the whole tab, tens of milliseconds, and makes the charts jump)."""

    def __init__(self, state: BacktestState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        state.connect("reset", self._keep_room)  # before the banner and the verdict hide on it
        self.banner = WarningBanner(state)
        self.verdict = VerdictLine(state)
        self.waiting = QLabel("Walking forward: the verdict on skill or luck, and any warnings, come here when the "
                              "walk ends.")
        self.waiting.setObjectName("walkWaiting")
        self.waiting.setWordWrap(True)
        self.waiting.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.banner, self.verdict, self.waiting):
            layout.addWidget(widget)
        layout.addStretch(1)  # the words at the top of the room kept
        state.connect("status", self._keep_room)  # a walk that stopped with an error frees it
        state.connect("result", self._result_arrived)  # at once: a stored run opened shows no walk's line
        state.connect("result", self._free_room, deferred=True)  # after the banner and the verdict have redrawn

    def apply_theme(self, theme: Theme) -> None:
        self.banner.apply_theme(theme)
        self.verdict.apply_theme(theme)
        self.waiting.setStyleSheet(f"QLabel#walkWaiting {{ color: {theme.muted}; background: "
                                   f"{mix(theme.border, theme.window, 0.10)}; border-left: 4px solid {theme.border}; "
                                   f"border-radius: 4px; padding: 4px 10px; }}")

    @property
    def walking(self) -> bool:
        return self.state.started and self.state.result is None and self.state.stopped is None

    def _keep_room(self, *args) -> None:
        if not self.walking:
            self._free_room()
        elif self.waiting.isHidden():  # the walk's start: the last words are still shown
            laid_out = self.testAttribute(Qt.WidgetAttribute.WA_Resized)
            self.setMinimumHeight(self.height() if laid_out else self.sizeHint().height())
            self.waiting.show()

    def _result_arrived(self) -> None:
        self.waiting.hide()  # the room stays until the banner and the verdict have filled it

    def _free_room(self) -> None:
        self.waiting.hide()
        self.setMinimumHeight(0)


_VERDICT_HELP = (
    "<p><b>Skill or luck</b>: the engine's verdict on the selected model. Its forecasts are tested against "
    "predicting no change (for a direction target, against predicting the base rate) with a one-sided "
    f"Diebold–Mariano test; a p-value below {SIGNIFICANCE_LEVEL:g} counts as evidence. The Sharpe CI is a 95 % "
    "stationary-bootstrap interval.</p><p><b>This run</b>: the best of the run's models at this horizon (each "
    "model a trial; the effective number allows for how alike their returns are). The Deflated Sharpe is the "
    "probability that its true Sharpe is above 0 once that choice is allowed for. SPA p: Hansen's test of whether "
    f"any of the models beats naive or buy &amp; hold; below {SIGNIFICANCE_LEVEL:g} says at least one does.</p>")
