"""What a search leaves in its --out folder: trials.csv, holdout.csv and best_config.json, all or nothing."""
from __future__ import annotations

from pathlib import Path

from engine.experiments.study import SearchOutcome
from engine.files import write_all_atomically


def write_search_outputs(outcome: SearchOutcome, out: Path) -> list[Path]:
    """trials.csv (a row per trial), holdout.csv (a row per best configuration) and, once a trial completed,
    best_config.json (a run configuration main.py backtest --config re-runs)."""
    out = Path(out)
    trials = outcome.trials.drop(columns=["message"], errors="ignore")
    holdout = outcome.holdout.drop(columns=["number"], errors="ignore")
    writers = {out / "trials.csv": lambda file: trials.to_csv(file, index=False),
               out / "holdout.csv": lambda file: holdout.to_csv(file, index=False)}
    if outcome.best_config is not None:
        writers[out / "best_config.json"] = lambda file: file.write(outcome.best_config.to_json())
    return write_all_atomically(writers)
