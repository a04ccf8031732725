"""The run configuration: one name per series, and older versions migrated."""
import json
from dataclasses import replace
from pathlib import Path

import pytest

from engine.errors import WorkbenchError
from engine.runs import DataConfig, RunConfig, csv_series_name, migrate
from models import model_config_for

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


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


V2_CONFIG = FIXTURES / "run_config_v2.json"  # written by version 2: every architecture, no field at its default
DENSE = dict(hidden_layers=(16, 8), activation="leaky_relu", leaky_slope=0.05, dropout=0.25, norm="layer", init="he")
RECURRENT = dict(hidden_size=24, num_layers=3, bidirectional=True, **DENSE)
OWN_FIELDS_IN_V2 = {"linear": dict(init="he"), "mlp": DENSE, "rnn": RECURRENT, "lstm": RECURRENT, "gru": RECURRENT,
                    "cnn": dict(channels=(12, 6), kernel_size=5, dilated=False, pooling="avg", **DENSE)}


@pytest.mark.parametrize("arch", OWN_FIELDS_IN_V2)
def test_a_version_2_model_keeps_the_fields_of_its_architecture_and_drops_the_others(arch):
    stored = json.loads(V2_CONFIG.read_text())
    migrated = {model["arch"]: model for model in migrate(stored)["models"]}[arch]
    assert set(migrated) == {"arch", *OWN_FIELDS_IN_V2[arch]}
    config = RunConfig.from_json(V2_CONFIG.read_text())
    assert {model.arch: model for model in config.models}[arch] == model_config_for(arch, **OWN_FIELDS_IN_V2[arch])


def test_a_version_2_config_loads_as_it_was_stored_and_saves_as_the_current_version():
    config = RunConfig.from_json(V2_CONFIG.read_text())
    assert [m.arch for m in config.models] == list(OWN_FIELDS_IN_V2)  # every architecture version 2 had
    assert replace(config, models=RunConfig().models) == RunConfig()
    assert config.to_dict()["version"] == 3 and RunConfig.from_dict(config.to_dict()) == config


def test_a_version_1_config_loses_the_other_families_fields_too(flat_model_dict):
    data = RunConfig(models=(model_config_for("mlp", hidden_layers=(8,)),)).to_dict()
    data["version"] = 1
    data["walk_forward"]["val_fraction"] = data["walk_forward"].pop("early_stop_fraction")
    data["models"] = [flat_model_dict(model) for model in data["models"]]
    assert RunConfig.from_dict(data).models == (model_config_for("mlp", hidden_layers=(8,)),)


def test_a_version_2_model_with_a_field_no_version_had_is_still_refused():
    data = json.loads(V2_CONFIG.read_text())
    data["models"][0]["hiden_size"] = 8
    with pytest.raises(WorkbenchError, match="linear has no field 'hiden_size'"):
        RunConfig.from_dict(data)


def test_a_current_model_with_another_familys_field_is_refused():
    data = RunConfig().to_dict()
    data["models"][0]["channels"] = [8]
    with pytest.raises(WorkbenchError, match="lstm has no field 'channels': its fields are hidden_size"):
        RunConfig.from_dict(data)
