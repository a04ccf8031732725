"""The Backtest and Compare tabs on a real tiny walk-forward backtest of the bundled SP500 sample.

    python scripts/backtest_view_demo.py            a window with both tabs
    python scripts/backtest_view_demo.py --shots DIR  PNGs of both tabs, mid-run and finished, dark and light

The backtest (GRU and MLP, 3 epochs, 6 folds, horizons 1 and 5) takes a few seconds on a CPU.
Its events are replayed into the views in the order the worker would deliver them.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def tiny_config(seed: int = 0):
    from engine.fit_config import TrainConfig, WalkForwardConfig
    from engine.runs import DataConfig, RunConfig
    from engine.windows import WindowConfig
    from models import model_config_for

    return RunConfig(
        data=DataConfig(start="2014-01-01"),
        windows=WindowConfig(window=10, horizons=(1, 5)),
        models=(model_config_for("gru", hidden_size=8, num_layers=1), model_config_for("mlp", hidden_layers=(16,))),
        training=TrainConfig(epochs=3, device="cpu", seed=seed),
        walk_forward=WalkForwardConfig(initial_train=500, retrain_every=126, warm_epochs=2),
    )


def backtest(config):
    """(bars, BacktestRun, events) of a real run."""
    from engine.pipeline import load_data, run_backtest

    bars = load_data(config.data).bars
    events: list = []
    run = run_backtest(config, bars, on_event=events.append)
    return bars, run, events


def replay(view, config, bars, events, *, stop_after: int | None = None) -> None:
    """Feed engine events to a BacktestView as the main window does."""
    from engine.backtest import FoldDone
    from engine.pipeline import EquityProgress

    view.start_run(config, bars)
    folds = 0
    for event in events:
        if isinstance(event, FoldDone):
            if stop_after is not None and folds >= stop_after:
                return
            folds += 1
            view.show_fold(event)
        elif isinstance(event, EquityProgress):
            view.show_progress(event)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=Path, help="save PNGs here instead of opening a window")
    parser.add_argument("--size", type=int, nargs=2, default=(1010, 840), metavar=("W", "H"),
                        help="window size (default: the tab area of the 1440×900 main window)")
    parser.add_argument("--suffix", default="", help="added to the PNG names")
    args = parser.parse_args(argv[1:])
    if args.shots:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QTabWidget

    from gui.app import create_application
    from gui.theme import THEMES, apply_theme
    from gui.views.backtest_view import BacktestView
    from gui.views.compare_view import CompareView

    app = create_application([])
    config_a, config_b = tiny_config(0), tiny_config(1)
    bars, run_a, events = backtest(config_a)
    _, run_b, _ = backtest(config_b)
    config_c = replace(config_a, windows=replace(config_a.windows, window=20))
    _, run_c, _ = backtest(config_c)

    tabs = QTabWidget()
    tabs.setDocumentMode(True)
    live, view, compare = BacktestView(), BacktestView(), CompareView()
    tabs.addTab(view, view.title)
    tabs.addTab(compare, compare.title)
    tabs.addTab(live, "Backtest (mid-run)")
    tabs.resize(*args.size)
    replay(live, config_a, bars, events, stop_after=10)
    replay(view, config_a, bars, events)
    view.show_result(run_a.result)
    compare.add_run("run 1", config_a, run_a.result)
    compare.add_run("run 2", config_b, run_b.result)
    compare.add_run("run 3", config_c, run_c.result)
    shown = [compare.proxy.mapToSource(compare.proxy.index(r, 0)).row() for r in range(compare.proxy.rowCount())]
    models = [r for r, source in enumerate(shown) if compare.model.frame.at[source, "kind"] != "baseline"]
    compare.select_rows(models[:3])

    if not args.shots:
        apply_theme(app, THEMES["dark"])
        for widget in (live, view, compare):
            widget.apply_theme(THEMES["dark"])
        tabs.show()
        return app.exec()
    args.shots.mkdir(parents=True, exist_ok=True)
    tabs.show()
    for name in ("dark", "light"):
        apply_theme(app, THEMES[name])
        for widget in (live, view, compare):
            widget.apply_theme(THEMES[name])
        for widget, file in ((view, "backtest"), (compare, "compare"), (live, "backtest-live")):
            tabs.setCurrentWidget(widget)
            for _ in range(5):
                app.processEvents()
            path = args.shots / f"{file}-{name}{args.suffix}.png"
            tabs.grab().save(str(path))
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
