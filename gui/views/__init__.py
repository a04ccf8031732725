"""The main window's tabs. Each view draws what it is given and offers its chart for export.

A view is a QWidget with `title`, `export_widget()` (the widget a PNG export grabs, or None)
and `apply_theme(theme)`; MainWindow.add_view puts it in a tab with a View-menu shortcut.
"""
from gui.views.anomaly_view import AnomalyView
from gui.views.backtest_view import BacktestView
from gui.views.compare_view import CompareView
from gui.views.data_view import DataView
from gui.views.log_view import LogView
from gui.views.search_view import SearchView
from gui.views.training_view import TrainingView

__all__ = ["AnomalyView", "BacktestView", "CompareView", "DataView", "LogView", "SearchView", "TrainingView"]
