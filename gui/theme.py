"""Dark and light themes: one palette for the widgets and matching colours for the plots."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette, QPen
from PySide6.QtWidgets import QApplication, QWidget

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


@dataclass(frozen=True)
class Theme:
    name: str  # "dark" or "light", the key stored in the settings
    window: str  # window and panel background
    base: str  # text fields, lists, tables
    alt_base: str  # alternating table rows, the help box
    text: str
    muted: str  # secondary text: hints, units, captions
    border: str
    button: str
    accent: str  # selection, focus, the primary button
    accent_text: str
    error: str
    warning: str
    success: str
    plot_bg: str
    plot_fg: str  # axes, ticks, labels
    grid_alpha: float
    up: str  # candles that closed higher
    down: str
    volume: str
    crosshair: str
    series: tuple[str, ...]  # one colour per model, in order
    buy_and_hold: str  # Buy & Hold's curve on every tab

    def series_colour(self, index: int) -> str:
        """The colour of the index-th model, the palette repeating past its end."""
        return self.series[index % len(self.series)]


DARK = Theme(
    name="dark", window="#1f2126", base="#17191d", alt_base="#262930", text="#e3e5e8", muted="#9aa0a9",
    border="#343840", button="#2b2e35", accent="#4c8dff", accent_text="#ffffff", error="#ff6b6b",
    warning="#f0b54a", success="#3fbf7f", plot_bg="#17191d", plot_fg="#aab0b9", grid_alpha=0.16,
    up="#26a69a", down="#ef5350", volume="#5b7fb3", crosshair="#8a919c",
    series=("#4c8dff", "#f28e2b", "#59c97a", "#e15759", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7"),
    buy_and_hold="#c4c9d1",
)
LIGHT = Theme(
    name="light", window="#f3f4f6", base="#ffffff", alt_base="#eef0f3", text="#1d2025", muted="#5f6672",
    border="#cfd3da", button="#ffffff", accent="#2f6fe4", accent_text="#ffffff", error="#c62828",
    warning="#a86400", success="#1d8a4f", plot_bg="#ffffff", plot_fg="#4a505a", grid_alpha=0.12,
    up="#1a9e8f", down="#e04646", volume="#7d9ccc", crosshair="#6b7280",
    series=("#2f6fe4", "#e3761b", "#2e9e52", "#c8383b", "#8a5aa8", "#b8960c", "#3c8f8a", "#d0607a"),
    buy_and_hold="#3d434d",
)
THEMES: dict[str, Theme] = {"dark": DARK, "light": LIGHT}


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Style every widget of the application; plots re-colour themselves through their views."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window, QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.base, QPalette.ColorRole.AlternateBase: theme.alt_base,
        QPalette.ColorRole.Text: theme.text, QPalette.ColorRole.Button: theme.button,
        QPalette.ColorRole.ButtonText: theme.text, QPalette.ColorRole.Highlight: theme.accent,
        QPalette.ColorRole.HighlightedText: theme.accent_text, QPalette.ColorRole.ToolTipBase: theme.alt_base,
        QPalette.ColorRole.ToolTipText: theme.text, QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.Link: theme.accent, QPalette.ColorRole.Mid: theme.border,
        QPalette.ColorRole.Dark: theme.border, QPalette.ColorRole.Light: theme.alt_base,
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.muted))
    app.setPalette(palette)
    app.setStyleSheet(_style_sheet(theme))
    pg.setConfigOptions(background=theme.plot_bg, foreground=theme.plot_fg)


def set_style_property(widget: QWidget, name: str, value) -> None:
    """A property the style sheet selects on (e.g. invalid, role), the widget restyled only when it changes:
    restyling every field on each check of the settings laid the side panel out anew, tens of milliseconds."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def style_plot(plot: pg.PlotItem, theme: Theme) -> None:
    """Axis colours and grid of one plot, for the current theme."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(theme.border))
        axis.setTextPen(pg.mkPen(theme.plot_fg))
        axis.setStyle(maxTickLevel=1)  # major and minor ticks: the third grid level tripled every repaint
    plot.showGrid(x=True, y=True, alpha=theme.grid_alpha)


def buy_and_hold_pen(theme: Theme, width: float = 1.6) -> QPen:
    """Buy & Hold's line on every chart: its one colour (Theme.buy_and_hold), dashed, the yardstick, not a model."""
    return pg.mkPen(theme.buy_and_hold, width=width, style=Qt.PenStyle.DashLine)


def mix(colour: str, background: str, amount: float) -> str:
    """`amount` of colour over background, as #rrggbb (style sheets take no alpha on every platform)."""
    a, b = QColor(colour), QColor(background)
    return QColor(round(a.red() * amount + b.red() * (1 - amount)), round(a.green() * amount + b.green() * (1 - amount)),
                  round(a.blue() * amount + b.blue() * (1 - amount))).name()


def tint(colour: str, alpha: float) -> QColor:
    """The colour with opacity `alpha`."""
    c = QColor(colour)
    c.setAlphaF(alpha)
    return c


def base_font() -> QFont:
    font = QApplication.font()
    if font.pointSizeF() < 9.5:
        font.setPointSizeF(9.5)
    return font


def _style_sheet(t: Theme) -> str:
    check = (ICONS / "check.svg").as_posix()
    return f"""
    QCheckBox::indicator, QListView::indicator, QMenu::indicator {{ width: 14px; height: 14px; border-radius: 3px;
        border: 1px solid {t.muted}; background: {t.base}; }}
    QCheckBox::indicator:checked, QListView::indicator:checked, QMenu::indicator:checked {{
        background: {t.accent}; border-color: {t.accent}; image: url({check}); }}
    QCheckBox::indicator:disabled {{ border-color: {t.border}; }}
    QToolTip {{ color: {t.text}; background: {t.alt_base}; border: 1px solid {t.border}; padding: 4px; }}
    QGroupBox {{ border: 1px solid {t.border}; border-radius: 6px; margin-top: 14px; padding: 10px 8px 8px 8px; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {t.text}; font-weight: 600; }}
    QLabel[role="muted"] {{ color: {t.muted}; }}
    QLabel[role="error"] {{ color: {t.error}; }}
    QLabel[role="warning"] {{ color: {t.warning}; }}
    QLabel[role="heading"] {{ font-weight: 600; }}
    QFrame#helpBox {{ background: {t.alt_base}; border: 1px solid {t.border}; border-radius: 6px; }}
    QFrame#archCard {{ border: 1px solid {t.border}; border-radius: 5px; background: {t.base}; }}
    QPushButton {{ padding: 5px 14px; border-radius: 4px; border: 1px solid {t.border}; background: {t.button}; }}
    QPushButton:hover {{ border-color: {t.accent}; }}
    QPushButton:disabled {{ color: {t.muted}; background: {t.window}; }}
    QPushButton#primary {{ background: {t.accent}; color: {t.accent_text}; border-color: {t.accent}; font-weight: 600; }}
    QPushButton#primary:disabled {{ background: {t.border}; color: {t.muted}; border-color: {t.border}; }}
    QLineEdit[invalid="true"], QSpinBox[invalid="true"], QDoubleSpinBox[invalid="true"] {{ border: 1px solid {t.error}; }}
    QTabWidget::pane {{ border: 1px solid {t.border}; border-radius: 4px; top: -1px; }}
    QTabBar::tab {{ padding: 6px 16px; border: 1px solid transparent; }}
    QTabBar::tab:selected {{ border-bottom: 2px solid {t.accent}; color: {t.text}; }}
    QTabBar::tab:!selected {{ color: {t.muted}; }}
    QStatusBar QLabel {{ color: {t.muted}; padding: 0 6px; }}
    QScrollArea {{ border: none; }}
    QHeaderView::section {{ background: {t.alt_base}; color: {t.text}; border: none;
                            border-bottom: 1px solid {t.border}; padding: 4px 6px; font-weight: 600; }}
    QTableWidget {{ gridline-color: {t.border}; }}
    QProgressBar {{ border: 1px solid {t.border}; border-radius: 3px; background: {t.base}; text-align: center;
                    height: 14px; }}
    QProgressBar::chunk {{ background: {t.accent}; border-radius: 2px; }}
    """
