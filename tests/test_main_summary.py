"""The train command's summary: a model that never finished an epoch shows why instead of test scores."""
import main


def test_a_model_without_a_finished_epoch_prints_its_outcome_instead_of_scores(capsys):
    summary = {
        "lstm": {"message": "Not trained: the loss became NaN or infinite in its first epoch.", "test": None},
        "linear": {"message": "Trained 2 epochs; kept the weights of epoch 2.", "test": {"MAE": 0.5, "RMSE": 0.75}},
    }
    main._print_summary(summary)
    assert capsys.readouterr().out.splitlines()[1:] == [
        "test split: model | MAE | RMSE",
        "  lstm: Not trained: the loss became NaN or infinite in its first epoch.",
        "  linear: 0.5 | 0.75",
    ]
