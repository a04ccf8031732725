"""The desktop workbench: PySide6 + pyqtgraph views that draw what the engine reports."""
