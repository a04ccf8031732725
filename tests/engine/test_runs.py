"""The run configuration: one name per series, and older versions migrated."""
import pytest

from engine.errors import WorkbenchError
from engine.runs import DataConfig, RunConfig, csv_series_name, migrate


@pytest.mark.parametrize("path, name", [
    ("/home/ana/goog.csv", "GOOG"),
    ("prices/eur_usd.CSV", "EUR_USD"),
    (r"C:\Users\ana\Prices\btc.csv", "BTC"),
    ("no_extension", "NO_EXTENSION"),
])
def test_a_csv_file_names_its_series_the_same_way_everywhere(path, name):
    assert csv_series_name(path) == name


def test_series_names_are_the_tickers_then_the_files():
    config = DataConfig(tickers=("SP500",), csv_files=("a/goog.csv",))
    assert config.series_names == ("SP500", "GOOG")


def test_a_version_1_config_is_migrated_with_its_renamed_field():
    data = RunConfig().to_dict()
    data["version"] = 1
    data["walk_forward"]["val_fraction"] = data["walk_forward"].pop("early_stop_fraction")
    assert RunConfig.from_dict(data) == RunConfig()
    assert "val_fraction" not in migrate(data)["walk_forward"]


@pytest.mark.parametrize("version", [0, 99, "2", None])
def test_an_unknown_version_says_what_this_app_reads(version):
    data = RunConfig().to_dict() | {"version": version}
    with pytest.raises(WorkbenchError, match="this app reads versions 1 to"):
        RunConfig.from_dict(data)
