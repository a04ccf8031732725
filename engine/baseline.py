"""The baselines every backtested model is set beside: their names, and the linear one, fitted in closed form.

Buy & Hold and Naive (no change) need no fitting. The linear baseline always runs, even when the user
also picks the trainable `linear` architecture (a network like the others). Each walk-forward fold fits
it on the fold's own samples, the arrays the networks train on: the scaled windows flattened to
x (window × features) and the scaled targets y. Per horizon, for a regression target, ridge regression

    ŷ = b + w·x,   (w, b) = argmin Σ (y − b − w·x)² + α‖w‖²     (the intercept is not penalised)

and for the direction target an L2 logistic regression, whose probability of "up" is the forecast:

    p = σ(b + w·x),   (w, b) = argmin C · Σ log-loss + ½‖w‖².

α (C) is chosen from a log grid by the lowest mean squared error (log-loss) on the fold's early-stopping
samples, and the model kept is the one fitted on the training samples alone: the samples the networks
learn from, so the baseline sees no more data than they do. A fold without early-stopping samples uses
α = 1 (C = 1); where every training target of a horizon moved the same way, its P(up) is the training
rate (ups + 1) / (samples + 2). No training setting enters: the same data gives the same baseline whatever
the epochs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.windows import Samples

BUY_AND_HOLD, NAIVE, LINEAR_BASELINE = "Buy & Hold", "Naive (no change)", "linear (baseline)"
BASELINES = (BUY_AND_HOLD, NAIVE, LINEAR_BASELINE)
RIDGE_ALPHAS = tuple(10.0 ** k for k in range(-2, 8))  # 0.01 … 10⁷: from practically OLS to practically the mean
LOGISTIC_CS = tuple(10.0 ** k for k in range(-4, 3))  # 0.0001 … 100: from practically the base rate to unpenalised
DEFAULT_ALPHA = DEFAULT_C = 1.0  # scikit-learn's defaults, for a fold without early-stopping samples


def backtest_labels(model_labels: list[str]) -> list[str]:
    """The models a backtest reports, in order: the user's, then the linear baseline, which always runs."""
    return [*model_labels, LINEAR_BASELINE]


@dataclass(frozen=True)
class LinearFit:
    """One linear model per horizon on the flattened window; predictions in scaled target units or P(up)."""

    coef: np.ndarray  # (horizons, window × features) float64
    intercept: np.ndarray  # (horizons,)
    penalty: np.ndarray  # (horizons,): the α (ridge) or C (logistic) chosen; NaN: every training move one way
    classification: bool

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Outputs (n, horizons) for samples x (n, window, features)."""
        score = _flat(x) @ self.coef.T + self.intercept  # (n, horizons)
        return 0.5 + 0.5 * np.tanh(score / 2) if self.classification else score  # the logistic σ, never overflowing

    def parameters(self) -> dict[str, np.ndarray]:
        """The arrays that rebuild the fit, by name (`penalty` is the α, or C for the direction target)."""
        return {"coef": self.coef, "intercept": self.intercept, "penalty": self.penalty}


def fit_linear_baseline(train: Samples, val: Samples, *, classification: bool) -> LinearFit:
    """Per horizon, the penalty with the best validation score, fitted on the training samples."""
    x, x_val = _flat(train.x), _flat(val.x)
    fits = [_fit_horizon(x, train.y[:, h], x_val, val.y[:, h], classification) for h in range(train.y.shape[1])]
    coef, intercept, penalty = (np.array(column) for column in zip(*fits))
    return LinearFit(coef, intercept, penalty, classification)


def _fit_horizon(x, y, x_val, y_val, classification: bool) -> tuple[np.ndarray, float, float]:
    """The weights, intercept and penalty of one horizon."""
    if classification and len(np.unique(y)) == 1:  # every training bar moved one way: no regression to fit
        rate = (y.sum() + 1) / (len(y) + 2)  # Laplace's rule of succession, never exactly 0 or 1
        return np.zeros(x.shape[1]), float(np.log(rate / (1 - rate))), np.nan
    grid, default = (LOGISTIC_CS, DEFAULT_C) if classification else (RIDGE_ALPHAS, DEFAULT_ALPHA)
    if len(x_val) == 0:
        penalty, model = default, _model(default, classification).fit(x, y)
    else:
        fits = [(penalty, _model(penalty, classification).fit(x, y)) for penalty in grid]
        penalty, model = min(fits, key=lambda fit: _validation_loss(fit[1], x_val, y_val, classification))
    return model.coef_.ravel(), float(np.ravel(model.intercept_)[0]), penalty


def _model(penalty: float, classification: bool):
    # scikit-learn loads here, on first use: the GUI imports this module for the names above.
    from sklearn.linear_model import LogisticRegression, Ridge

    return LogisticRegression(C=penalty, max_iter=1000) if classification else Ridge(alpha=penalty)


def _validation_loss(model, x_val, y_val, classification: bool) -> float:
    from sklearn.metrics import log_loss, mean_squared_error

    if classification:
        return log_loss(y_val, model.predict_proba(x_val)[:, 1], labels=[0.0, 1.0])
    return mean_squared_error(y_val, model.predict(x_val))


def _flat(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64).reshape(len(x), x.shape[1] * x.shape[2])  # (n, window × features)
