"""Walk-forward fold spans: the early-stopping share is the fold's own setting and it moves the split."""
import pytest

from engine.errors import WorkbenchError
from engine.fit_config import WalkForwardConfig
from engine.folds import fold_spans


@pytest.mark.parametrize("share", [0.15, 0.4])
def test_the_early_stopping_share_is_the_latest_part_of_each_training_span(share):
    config = WalkForwardConfig(initial_train=500, retrain_every=100, early_stop_fraction=share)
    for span in fold_spans(1000, config, (1,)):
        assert span.test_start - span.val_start == round(share * span.test_start)


def test_a_larger_early_stopping_share_moves_every_fold_split():
    small, large = (fold_spans(1000, WalkForwardConfig(initial_train=500, early_stop_fraction=share), (1, 5))
                    for share in (0.15, 0.4))
    assert all(a.val_start > b.val_start and a.test_start == b.test_start for a, b in zip(small, large))


def test_no_early_stopping_share_leaves_no_validation_bars():
    spans = fold_spans(1000, WalkForwardConfig(initial_train=500, early_stop_fraction=0.0), (1,))
    assert all(span.val_start == span.test_start for span in spans)


@pytest.mark.parametrize("share", [-0.1, 0.5, 0.6])
def test_an_early_stopping_share_out_of_range_is_refused(share):
    with pytest.raises(WorkbenchError, match=rf"Early-stopping fraction must be in \[0, 0.5\), got {share}"):
        WalkForwardConfig(early_stop_fraction=share)
