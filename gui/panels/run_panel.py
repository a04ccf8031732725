"""The Run panel: what to predict, how the bars become windows and splits, how the models train,
and how a backtest walks forward and trades.

Every value is checked by building the engine's own WindowConfig / TrainConfig /
WalkForwardConfig / TradingConfig, so the panel shows exactly the engine's message under the
field that causes it.
"""
from __future__ import annotations

import os
from dataclasses import fields
from typing import get_args

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.errors import WorkbenchError
from engine.features import FEATURES, TARGETS
from engine.fit_config import (
    DeviceChoice,
    OptimizerName,
    TrainConfig,
    WalkForwardConfig,
)
from engine.trading import TradingConfig
from engine.windows import ScalerKind, WindowConfig
from gui.panels.forms import (
    Form,
    combo,
    double_spin,
    parse_float,
    parse_ints,
    read,
    spin,
    write,
)
from models import HELP

_WINDOW_FIELDS = {f.name for f in fields(WindowConfig)}
_TRAIN_FIELDS = {f.name for f in fields(TrainConfig)}
# The walk-forward form's fields carry this prefix (it names them in saved settings); field() also takes the plain name.
_WF = "wf_"
_WALK_FIELDS = {_WF + f.name for f in fields(WalkForwardConfig)}
_TRADING_FIELDS = {f.name for f in fields(TradingConfig)}
_EXECUTIONS = {"next_open": "Trade at the next bar's open", "next_close": "Trade at the next bar's close"}
_EXECUTION_LABELS = {"next_open": "Next bar's open", "next_close": "Next bar's close"}

# The walk-forward and trading settings: what each does in Train & Backtest, the only mode that uses them.
_BACKTEST_HELP = {
    "initial_train": "Bars the first model trains on before the backtest makes its first prediction "
                     "(1260 daily bars are about 5 years). Only bars before each prediction are ever used.",
    "retrain_every": "Bars between retrains: after this many predictions the models train again on everything "
                     "seen so far (63 daily bars are about a quarter). 0 trains once and predicts the rest.",
    "scheme": "'expanding': each retrain uses all bars up to then. 'rolling': only the latest 'initial training "
              "bars', so old market regimes drop out.",
    "warm_start": "Start each retrain from the previous fold's weights, for a few epochs (below), instead of "
                  "from scratch: several times faster, with about the same error.",
    "warm_epochs": "Epochs of a warm-started retrain. The first fold always trains for the full epochs.",
    "early_stop_fraction": "Share of each fold's training bars, the latest ones, held out to pick the best epoch "
                           "and stop early; the fold's model never trains on them. It must stay below 0.5; 0 holds "
                           "none back, and early stopping then watches the training loss. Walk-forward folds use "
                           "this share, not the Validation share of the split.",
    "threshold": "Predicted return needed to take a position: 0.001 means the model must expect more than 0.1%. "
                 "Smaller predictions stay flat, which saves costs on weak signals.",
    "long_only": "Only buy: a predicted fall means holding cash instead of going short.",
    "position_size": "Fraction of the equity each position holds, above 0 and at most 1: at 0.5 the shares bought "
                     "(or sold short) are worth half the equity at entry and the rest stays in cash. Gains, "
                     "losses and costs scale with it.",
    "cost_bps": "Commission per side, in basis points of the traded value (1 bp = 0.01%).",
    "slippage_bps": "Price slippage per side, in basis points: how much worse than the quoted price you fill.",
    "execution": "When a signal formed at a bar's close is traded: at the next bar's open or at its close. "
                 "Never at the close the signal was formed on, which no trader could have had.",
    "initial_capital": "The money the backtest starts with. The equity curves and the final equity start from "
                       "it; returns and ratios do not depend on it.",
    "risk_free_rate": "Annual risk-free rate as a fraction (0.02 = 2%): Sharpe, Sortino and alpha measure the "
                      "return above it, at (1 + rate)^(1 / periods a year) − 1 per period. 0 compares with cash "
                      "that earns nothing.",
    "workers": "How many (series, model) walks run at a time, each on a worker process of its own with one CPU "
               "thread; the default is one per core. The results are the same as walking them one after another. "
               "'in this process' walks them one by one on the window's own worker thread: no process to start, "
               "but the training then competes with the charts for Python's lock and the window stutters.",
    "bootstrap_repetitions": "How many times each backtest's returns are resampled (a stationary bootstrap, in "
                             "blocks) for the 95% confidence intervals of the Sharpe ratio and the return, and for "
                             "the SPA test of the run's models. More resamples are slower but steadier: the "
                             "intervals and p-values move less from one run to the next. 1000, the default, is the "
                             "usual choice; at least 10.",
}

# Help for the settings models.HELP does not cover.
_MORE_HELP = {
    "target": "What the models predict at each horizon. " + " ".join(f"'{k}': {v}" for k, v in TARGETS.items()),
    "features": "The columns each bar contributes to a window. " + " ".join(f"'{k}': {v}" for k, v in FEATURES.items()),
    **{name: f"{text} Acts in Train & Backtest only." for name, text in _BACKTEST_HELP.items()},
}


class FeaturePicker(QToolButton):
    """A drop-down of checkable features; the button says how many are on."""

    sigChanged = Signal()

    def __init__(self, selected: tuple[str, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        self._actions: dict[str, QAction] = {}
        for name, description in FEATURES.items():
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name in selected)
            action.setToolTip(description)
            action.toggled.connect(self._changed)
            self._actions[name] = action
        self.setMenu(menu)
        self._changed()

    def value(self) -> tuple[str, ...]:
        return tuple(name for name, action in self._actions.items() if action.isChecked())

    def set_value(self, names) -> None:
        for name, action in self._actions.items():
            action.blockSignals(True)
            action.setChecked(name in names)
            action.blockSignals(False)
        self._changed()

    def _changed(self) -> None:
        chosen = self.value()
        self.setText(f"{len(chosen)} of {len(self._actions)} selected")
        self.sigChanged.emit()


class RunPanel(QWidget):
    sigChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        w, t = WindowConfig(), TrainConfig()
        self.prediction = Form()
        self.prediction.add("target", "Target", combo(TARGETS, w.target, TARGETS), _help("target"))
        self.prediction.add("horizons", "Horizons (bars)", QLineEdit(", ".join(map(str, w.horizons))), _help("horizons"))
        self.prediction.add("window", "Window (bars)", spin(0, 100_000, w.window), _help("window"))
        self.prediction.add("features", "Features", FeaturePicker(w.features), _help("features"))
        self.split = Form()
        self.split.add("val_fraction", "Validation share", double_spin(0, 0.95, w.val_fraction), _help("val_fraction"))
        self.split.add("test_fraction", "Test share", double_spin(0, 0.95, w.test_fraction), _help("test_fraction"))
        self.split.add("scaler", "Scaler", combo(get_args(ScalerKind), w.scaler), _help("scaler"))
        self.training = Form()
        self.training.add("optimizer", "Optimizer", combo(get_args(OptimizerName), t.optimizer), _help("optimizer"))
        self.training.add("learning_rate", "Learning rate", QLineEdit(f"{t.learning_rate:g}"), _help("learning_rate"))
        self.training.add("batch_size", "Batch size", spin(0, 1_000_000, t.batch_size), _help("batch_size"))
        self.training.add("epochs", "Epochs", spin(0, 100_000, t.epochs), _help("epochs"))
        self.training.add("patience", "Patience (epochs)", spin(0, 10_000, t.patience, special="off"), _help("patience"))
        self.training.add("seed", "Seed", spin(0, 2**31 - 1, t.seed), _help("seed"))
        self.training.add("device", "Device", combo(get_args(DeviceChoice), t.device), _help("device"))
        self.advanced = Form()
        self.advanced.add("momentum", "Momentum", double_spin(0, 0.999, t.momentum, decimals=3), _help("momentum"))
        self.advanced.add("lr_patience", "LR cut patience", spin(0, 10_000, t.lr_patience, special="off"),
                          _help("lr_patience"))
        self.advanced.add("lr_factor", "LR cut factor", double_spin(0, 1, t.lr_factor), _help("lr_factor"))
        self.advanced.add("grad_clip", "Gradient clip", double_spin(0, 1000, t.grad_clip, step=0.1), _help("grad_clip"))
        self.advanced.add("l1", "L1 penalty", QLineEdit(f"{t.l1:g}"), _help("l1"))
        self.advanced.add("l2", "L2 (weight decay)", QLineEdit(f"{t.l2:g}"), _help("l2"))
        f, c = WalkForwardConfig(), TradingConfig()
        self.walk_forward = Form()
        self.walk_forward.add(_WF + "initial_train", "Initial training bars", spin(0, 1_000_000, f.initial_train),
                              _help("initial_train"))
        self.walk_forward.add(_WF + "retrain_every", "Retrain every (bars)",
                              spin(0, 1_000_000, f.retrain_every, special="once"), _help("retrain_every"))
        self.walk_forward.add(_WF + "scheme", "Training span", combo(("expanding", "rolling"), f.scheme),
                              _help("scheme"))
        self.walk_forward.add(_WF + "warm_start", "Warm start", QCheckBox("from the last fold's weights"),
                              _help("warm_start"))
        self.walk_forward.add(_WF + "warm_epochs", "Warm epochs", spin(0, 100_000, f.warm_epochs), _help("warm_epochs"))
        self.walk_forward.add(_WF + "early_stop_fraction", "Early-stopping share",
                              double_spin(0, 0.95, f.early_stop_fraction), _help("early_stop_fraction"))
        self.walk_forward.add("workers", "Walks at a time", spin(0, 256, os.cpu_count() or 1, special="in this process"),
                              _help("workers"))
        write(self.walk_forward.fields[_WF + "warm_start"], f.warm_start)
        warm = self.walk_forward.fields[_WF + "warm_start"]
        warm.toggled.connect(self.walk_forward.fields[_WF + "warm_epochs"].setEnabled)
        self.trading = Form()
        self.trading.add("threshold", "Signal threshold", double_spin(0, 1, c.threshold, step=0.0005, decimals=4),
                         _help("threshold"))
        self.trading.add("long_only", "Long only", QCheckBox("no short positions"), _help("long_only"))
        self.trading.add("position_size", "Position size", double_spin(0, 1, c.position_size),
                         _help("position_size"))
        self.trading.add("cost_bps", "Costs (bps/side)", double_spin(0, 1000, c.cost_bps, step=0.5, decimals=1),
                         _help("cost_bps"))
        self.trading.add("slippage_bps", "Slippage (bps/side)",
                         double_spin(0, 1000, c.slippage_bps, step=0.5, decimals=1), _help("slippage_bps"))
        self.trading.add("execution", "Execution", combo(_EXECUTIONS, c.execution, _EXECUTIONS, _EXECUTION_LABELS), _help("execution"))
        self.trading.add("initial_capital", "Initial capital",
                         double_spin(0, 1e12, c.initial_capital, step=1000, decimals=0), _help("initial_capital"))
        self.trading.add("risk_free_rate", "Risk-free (annual)",
                         double_spin(-1, 1, c.risk_free_rate, step=0.005, decimals=4), _help("risk_free_rate"))
        resamples = spin(0, 1_000_000, c.bootstrap_repetitions)
        resamples.setSingleStep(100)
        self.trading.add("bootstrap_repetitions", "Bootstrap resamples", resamples, _help("bootstrap_repetitions"))
        write(self.trading.fields["long_only"], c.long_only)
        self.show_advanced = QToolButton()
        self.show_advanced.setText("Advanced training settings")
        self.show_advanced.setCheckable(True)
        self.show_advanced.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.show_advanced.setArrowType(Qt.ArrowType.RightArrow)
        self.show_advanced.setAutoRaise(True)
        self.show_advanced.toggled.connect(self._toggle_advanced)
        self.advanced.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        for title, form in (("Prediction", self.prediction), ("Splits and scaling", self.split),
                            ("Training", self.training)):
            heading = QLabel(title)
            heading.setProperty("role", "heading")
            layout.addWidget(heading)
            layout.addWidget(form)
            form.sigChanged.connect(self.sigChanged.emit)
            layout.addSpacing(4)
        layout.addWidget(self.show_advanced)
        layout.addWidget(self.advanced)
        self.advanced.sigChanged.connect(self.sigChanged.emit)
        for title, form in (("Walk-forward (Train & Backtest)", self.walk_forward),
                            ("Trading (Train & Backtest)", self.trading)):
            layout.addSpacing(4)
            heading = QLabel(title)
            heading.setProperty("role", "heading")
            layout.addWidget(heading)
            layout.addWidget(form)
            form.sigChanged.connect(self.sigChanged.emit)

    @property
    def forms(self) -> tuple[Form, ...]:
        return self.prediction, self.split, self.training, self.advanced, self.walk_forward, self.trading

    def workers(self) -> int:
        """Walks at a time on worker processes; 0: one by one in this process."""
        return int(read(self.walk_forward.fields["workers"]))

    def field(self, name: str) -> QWidget:
        """A field by its name; walk-forward fields also answer to their config name (e.g. initial_train)."""
        for key in (name, _WF + name):
            for form in self.forms:
                if key in form.fields:
                    return form.fields[key]
        raise KeyError(name)

    def set_value(self, name: str, value) -> None:
        write(self.field(name), value)

    def window_config(self) -> WindowConfig:
        return WindowConfig(**{k: v for k, v in self._values().items() if k in _WINDOW_FIELDS})

    def train_config(self) -> TrainConfig:
        return TrainConfig(**{k: v for k, v in self._values().items() if k in _TRAIN_FIELDS})

    def walk_forward_config(self) -> WalkForwardConfig:
        """The walk-forward settings; the warm-start patience keeps the engine's default."""
        return WalkForwardConfig(**_arguments(self._values(), _WALK_FIELDS))

    def trading_config(self) -> TradingConfig:
        return TradingConfig(**{k: v for k, v in self._values().items() if k in _TRADING_FIELDS})

    def errors(self) -> list[str]:
        """Each field checked alone, then the whole window and training configs; shown under the fields."""
        problems: dict[str, str] = {}
        values: dict[str, object] = {}
        for form in self.forms:
            for name, widget in form.fields.items():
                try:
                    values[name] = self._parse(name, widget)
                    entry = _config_of(name)
                    if entry is not None:  # None: how a run executes (walks at a time), no config of it
                        entry[0](**_arguments({name: values[name]}, entry[1]))
                except (ValueError, WorkbenchError) as error:
                    problems[name] = str(error)
        if not problems:
            for config_class, names, blame in _CONFIGS:
                try:
                    config_class(**_arguments(values, names))
                except WorkbenchError as error:
                    problems[blame] = str(error)
        for form in self.forms:
            for name in form.fields:
                form.set_error(name, problems.get(name))
        if any(name in self.advanced.fields for name in problems):
            self.show_advanced.setChecked(True)
        return list(problems.values())

    def state(self) -> dict:
        return {name: read(widget) for form in self.forms for name, widget in form.fields.items()} | \
            {"show_advanced": self.show_advanced.isChecked()}

    def restore(self, state: dict) -> None:
        for name, value in state.items():
            if name == "show_advanced":
                self.show_advanced.setChecked(bool(value))
                continue
            try:
                self.set_value(name, value)
            except (KeyError, TypeError, ValueError):
                pass  # a setting from an older version: keep the default

    def _values(self) -> dict:
        return {name: self._parse(name, widget) for form in self.forms for name, widget in form.fields.items()}

    def _parse(self, name: str, widget: QWidget):
        value = read(widget)
        if name == "horizons":
            return parse_ints(value, "Horizons", "1 or 1, 5, 20")
        if name in ("learning_rate", "l1", "l2"):
            return parse_float(value, self._label(name), "0.001" if name == "learning_rate" else "0 or 1e-5")
        return value

    def _label(self, name: str) -> str:
        for form in self.forms:
            if name in form.labels:
                return form.labels[name].text()
        return name

    def _toggle_advanced(self, on: bool) -> None:
        self.advanced.setVisible(on)
        self.show_advanced.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)


_CONFIGS = ((WindowConfig, _WINDOW_FIELDS, "test_fraction"), (TrainConfig, _TRAIN_FIELDS, "epochs"),
            (WalkForwardConfig, _WALK_FIELDS, _WF + "initial_train"), (TradingConfig, _TRADING_FIELDS, "threshold"))


def _config_of(name: str) -> tuple[type, set[str], str] | None:
    return next((entry for entry in _CONFIGS if name in entry[1]), None)


def _arguments(values: dict, names: set[str]) -> dict:
    """The values of one config's fields, named as the config names them (without the form's prefix)."""
    return {k.removeprefix(_WF): v for k, v in values.items() if k in names}


def _help(name: str) -> str:
    return HELP.get(name) or _MORE_HELP.get(name, "")
