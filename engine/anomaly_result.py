"""What an anomaly run found, without torch: one row per bar, one per detector, and the training curve.

Every view and export reads these frames: the GUI draws them, the CLI writes them (anomalies_csv, summary),
the run store keeps them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DETECTOR_NAMES = {"lstm_autoencoder": "LSTM autoencoder", "zscore": "Robust z-score", "iforest": "IsolationForest"}
FLAG_COLUMNS = {"lstm_autoencoder": "flagged", "zscore": "zscore_flagged", "iforest": "iforest_flagged"}
SUMMARY_COLUMNS = ["detector", "flagged", "precision", "recall", "f1"]
ANOMALIES_CSV_COLUMNS = ["date", "score", "threshold", "flagged", "zscore_flagged", "iforest_flagged", "injected"]


@dataclass(frozen=True)
class AnomalyResult:
    series: str  # the series' name, e.g. SP500 or SYNTHETIC
    bars: pd.DataFrame  # one row per bar: date, open, high, low, close, train (0/1), score, window_score,
    #                     threshold, flagged, zscore, zscore_flagged, iforest_score, iforest_flagged, injected
    summary: pd.DataFrame  # one row per detector: SUMMARY_COLUMNS (precision, recall, f1 NaN without truth)
    history: pd.DataFrame  # one row per epoch: epoch, train_loss, val_loss
    threshold: float  # the autoencoder's, from its training errors
    message: str  # how training ended

    @property
    def has_truth(self) -> bool:
        """The series came with injected positions (a synthetic series)."""
        return bool(self.bars["injected"].notna().any())

    def anomalies_csv(self) -> pd.DataFrame:
        """anomalies.csv: one row per bar; warm-up bars have no score and flagged 0, injected is empty without
        ground truth."""
        table = self.bars[ANOMALIES_CSV_COLUMNS].copy()
        table["injected"] = table["injected"].astype("Int64")
        return table

    def flagged_table(self) -> pd.DataFrame:
        """The bars any detector flagged, in date order: date, score, threshold, what each detector said, robust z."""
        flags = self.bars[list(FLAG_COLUMNS.values())].astype(bool)
        rows = self.bars[flags.any(axis=1)]
        table = pd.DataFrame({"date": rows["date"], "score": rows["score"], "threshold": rows["threshold"],
                              **{DETECTOR_NAMES[name]: rows[column].map({1: "flagged", 0: ""})
                                 for name, column in FLAG_COLUMNS.items()},
                              "robust z": rows["zscore"]})
        if self.has_truth:
            table["injected"] = rows["injected"].map({1.0: "yes", 0.0: ""})
        return table.reset_index(drop=True)

    def histogram(self, bins: int = 40) -> pd.DataFrame:
        """Counts of the autoencoder's scores on training bars and on the later bars, over shared bins."""
        scored = self.bars.dropna(subset=["score"])
        edges = np.histogram_bin_edges(scored["score"], bins=bins)
        counts = {part: np.histogram(scored.loc[scored["train"] == flag, "score"], bins=edges)[0]
                  for part, flag in (("train", 1), ("later", 0))}
        return pd.DataFrame({"left": edges[:-1], "right": edges[1:], **counts})

    @property
    def injected_dates(self) -> pd.Series:
        return self.bars.loc[self.bars["injected"] == 1, "date"]
