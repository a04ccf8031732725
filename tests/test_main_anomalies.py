"""main.py anomalies: the exact interface, its files, the stored run, and one-line errors."""
import pandas as pd
import pytest

from main import main

SYNTHETIC = ["--synthetic", "n=600,spikes=4,drops=2,seed=2", "--window", "20", "--epochs", "3", "--hidden-size", "8"]


def test_anomalies_writes_both_files_prints_the_summary_and_stores_the_run(tmp_path, capsys):
    assert main(["anomalies", *SYNTHETIC, "--latent", "4", "--quantile", "0.98", "--train-fraction", "0.6",
                 "--tolerance", "1", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "stored as anomaly run 1" in printed and "LSTM autoencoder" in printed and "IsolationForest" in printed
    table = pd.read_csv(tmp_path / "anomalies.csv")
    assert list(table.columns) == ["date", "score", "threshold", "flagged", "zscore_flagged", "iforest_flagged",
                                   "injected"]
    assert len(table) == 600 and table["injected"].sum() == 4
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary["detector"].tolist() == ["lstm_autoencoder", "zscore", "iforest"]

    assert main(["runs", "list"]) == 0
    assert "SYNTHETIC · lstm_autoencoder, window 20" in capsys.readouterr().out
    assert main(["runs", "export", "1", "--anomalies", "--out", str(tmp_path / "again")]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "again" / "anomalies.csv"), table)


def test_real_data_prints_the_flagged_dates_without_ground_truth(tmp_path, capsys):
    assert main(["anomalies", "--ticker", "SP500", "--start", "2015-01-01", "--window", "10", "--epochs", "2",
                 "--hidden-size", "8", "--no-store", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "date" in printed and "score" in printed
    assert pd.read_csv(tmp_path / "anomalies.csv")["injected"].isna().all()
    assert pd.read_csv(tmp_path / "summary.csv")[["precision", "recall", "f1"]].isna().all().all()


@pytest.mark.parametrize("args, message", [
    (["--synthetic", "n=2000,bogus=1"], "unknown key 'bogus'"),
    (["--synthetic", "n=100", "--window", "80"], "only 0 training windows fit"),
    (["--synthetic", "n=500", "--train-fraction", "1.2"], "train_fraction must be between 0.05 and 0.95"),
    (["--synthetic", "n=500", "--quantile", "0.2"], "quantile must be between 0.5"),
])
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, capsys, args, message):
    assert main(["anomalies", *args, "--no-store", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and message in error and "Traceback" not in error


def test_the_synthetic_series_feeds_the_other_commands(capsys):
    assert main(["data", "--synthetic", "preset=learnable,n=300"]) == 0
    assert "synthetic series: 300 bars" in capsys.readouterr().out
