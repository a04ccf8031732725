"""The hold-out: a common date cut no trial sees, walked once by the best configurations, with a warning when the
search score is far above the hold-out's."""
import numpy as np
import pandas as pd
import pytest

from engine.errors import WorkbenchError
from engine.experiments.holdout import holdout_cut, overfit_warning, search_bars
from engine.experiments.objective import objective_for
from engine.fit_config import WalkForwardConfig
from tests.experiments.conftest import BASE, with_base


def _bars(start: str, periods: int) -> pd.DataFrame:
    return pd.DataFrame({"close": np.arange(periods, dtype=float)}, index=pd.bdate_range(start, periods=periods))


def test_the_cut_is_the_most_recent_share_of_the_dates_of_all_series():
    a, b = _bars("2020-01-01", 100), _bars("2020-03-02", 100)  # b starts 43 business days later
    dates = a.index.union(b.index)
    cut = holdout_cut({"A": a, "B": b}, 0.2)
    assert cut == dates[round(len(dates) * 0.8)]
    assert (dates >= cut).sum() == pytest.approx(0.2 * len(dates), abs=1)
    with pytest.raises(WorkbenchError, match="--holdout is the share .* in \\(0, 1\\): got 1.5"):
        holdout_cut({"A": a}, 1.5)


def test_a_series_too_short_before_the_cut_is_named():
    with pytest.raises(WorkbenchError, match="Before the hold-out cut \\(2020-05-20\\) A has 100 bars, too few for "
                                             "--initial-train 150"):
        search_bars({"A": _bars("2020-01-01", 125)}, pd.Timestamp("2020-05-20"), BASE)


def test_no_trial_sees_a_bar_after_the_cut(search, goog_420):
    """Replace every bar from the cut on with noise: the trials score exactly as before, the hold-out does not."""
    cut = holdout_cut(goog_420, 0.2)
    bars = goog_420["GOOG"]
    noisy = bars.copy()
    after = noisy.index >= cut
    rng = np.random.default_rng(0)
    noisy.loc[after, ["open", "high", "low", "close"]] *= rng.uniform(0.8, 1.2, (after.sum(), 1))
    noisy.loc[after, "volume"] *= 3
    noisy["high"] = noisy[["open", "high", "low", "close"]].max(axis=1)
    noisy["low"] = noisy[["open", "high", "low", "close"]].min(axis=1)
    outcomes = [search(trials=2, workers=1, top_k=1, pruner="none", bars={"GOOG": frame}, name=name)[1]
                for frame, name in ((bars, "real"), (noisy, "noisy"))]
    columns = ["number", "dropout", "learning_rate", "value"]
    pd.testing.assert_frame_equal(outcomes[0].trials[columns], outcomes[1].trials[columns])
    assert outcomes[0].cut == outcomes[1].cut == cut
    assert outcomes[0].holdout["holdout_value"].iloc[0] != outcomes[1].holdout["holdout_value"].iloc[0]


def test_the_holdout_walk_continues_the_schedule_and_scores_only_from_the_cut(search, goog_420):
    base = with_base(walk_forward=WalkForwardConfig(initial_train=150, retrain_every=60))
    _, outcome = search(base=base, trials=1, top_k=1, pruner="none", keep_tables=True, store_trials=False)
    row = outcome.holdout.iloc[0]
    assert np.isfinite(row["holdout_value"]) and row["# Trades"] >= 1
    assert row["holdout_value"] == pytest.approx(row["Sharpe Ratio"])


def test_a_search_score_far_above_the_holdout_gets_a_warning():
    sharpe, theil = objective_for("sharpe"), objective_for("theils_u")
    assert "selection luck" in overfit_warning(sharpe, 1, 1.2, 0.3)
    assert overfit_warning(sharpe, 1, 1.2, 0.9) is None
    assert overfit_warning(theil, 2, 0.9, 1.5) is not None and overfit_warning(theil, 2, 0.9, 1.0) is None
    assert overfit_warning(sharpe, 1, 1.2, float("nan")) is None
