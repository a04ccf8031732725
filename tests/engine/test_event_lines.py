"""The engine's progress events in words, as the CLI prints them and the GUI logs them (engine/event_lines.py)."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from engine.event_lines import ended_line, epoch_line, fold_line
from engine.folds import Fold


def test_a_fold_says_what_it_trained_on_and_predicted():
    from engine.backtest import FoldDone  # torch: imported when the test runs, not when pytest collects

    day = pd.Timestamp
    fold = Fold("SP500", "lstm", 1, day("2015-01-02"), day("2019-12-31"), None, None, day("2015-01-02"),
                day("2019-12-31"), day("2020-01-02"), day("2020-06-30"), 0, 0, False)
    assert fold_line(FoldDone(fold, 5, pd.DataFrame())) == (
        "lstm on SP500: fold 2/5 trained to 2019-12-31, predicted 2020-01-02 to 2020-06-30 (fitted in closed form)")
    judged = replace(fold, epochs_run=12, best_epoch=3, verdict="no_signal", diagnosis="no signal to learn: ...")
    assert fold_line(FoldDone(judged, 5, pd.DataFrame())).endswith("(12 epochs) · no signal to learn")


def test_an_epoch_line_lines_up_and_marks_the_best_epoch_and_a_learning_rate_cut():
    from engine.train import EpochReport

    report = EpochReport(3, 20, 0.0123456, 0.02, 1e-3, 4.24, 57.4, best_epoch=3, lr_reduced=True)
    assert epoch_line(report) == ("epoch   3/20  train 0.01235  val 0.02000  lr 1.0e-03  4.2s  eta 57s *  "
                                  "(learning rate cut)")
    no_val = EpochReport(4, 20, 0.01, None, 1e-3, 5.0, 50.0, best_epoch=3, lr_reduced=False)
    assert "val" not in epoch_line(no_val) and not epoch_line(no_val).endswith("*")


def test_the_end_of_a_fit_names_the_device():
    from engine.train import TrainingEnded

    ended = TrainingEnded("early_stopping", 12, 9, 0.01, "cuda:0", True, "stopped early at epoch 12", True)
    assert ended_line(ended) == "stopped early at epoch 12 (device cuda:0, CUDA graph)"


def test_the_lines_load_without_torch():
    out = subprocess.run([sys.executable, "-c", "import sys, engine.event_lines; print('torch' in sys.modules)"],
                         cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
