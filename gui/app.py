"""Start the desktop app: `python main.py` with no command calls run_app()."""
from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

import shiboken6
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

# A short GIL switch interval: each pyqtgraph paint() is Python called from C++, and each such call
# waits up to one interval for a thread that holds the GIL (5 ms by default; 1 ms still doubled a paint while
# a backtest walked in this process).
GIL_SWITCH_INTERVAL_S = 0.0002
ORGANIZATION = "Stock Workbench"
APPLICATION = "Stock Workbench"


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, named so QSettings finds the user's settings; reuses one that exists."""
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    return app


def freeze_heap() -> None:
    """Move every object alive now (the modules of torch, pandas, Qt, …) out of the garbage collector's sight.

    A full collection walks every tracked object while holding the GIL, so with the engine loaded it froze the
    window for 90-260 ms, several times a backtest; afterwards it walks only what was made since. Call it once
    the heavy imports are done. (No collection first: it would be one such stall, and what it would free is
    the little garbage of the imports.)
    """
    gc.freeze()


def run_app(argv: Sequence[str] | None = None) -> int:
    """Open the main window on the bundled sample (SP500) and run until it closes; the exit code."""
    app = create_application(argv)
    from gui.main_window import (
        MainWindow,  # after QApplication: pyqtgraph reads the app's settings
    )

    window = MainWindow(QSettings())
    app.aboutToQuit.connect(window.shutdown)  # also when the app quits without closing the window
    window.show()
    code = app.exec()
    close_for_good(window)
    return code


def close_for_good(window: QWidget) -> None:
    """Close the window and delete it now, while Python runs. Left to interpreter shutdown, its charts
    can get events after their Python halves are gone, and the process crashes on its way out."""
    window.close()
    shiboken6.delete(window)
