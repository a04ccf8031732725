"""The --space grammar: ranges, log and step, choices, the architecture, and every refusal naming its field."""
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from engine.errors import WorkbenchError
from engine.experiments.space import KNOWN_FIELDS, Dimension, apply, parse_space
from engine.runs import DataConfig
from tests.experiments.conftest import BASE, with_base


def test_ranges_choices_log_and_step_become_optuna_distributions():
    space = parse_space("hidden_size=8..64:log,learning_rate=1e-4..1e-2:log,dropout=0..0.5,window=10..60:step=10,"
                        "optimizer=adam|sgd,threshold=0..1")
    assert space.distributions() == {
        "hidden_size": IntDistribution(8, 64, log=True),
        "learning_rate": FloatDistribution(1e-4, 1e-2, log=True),
        "dropout": FloatDistribution(0.0, 0.5),
        "window": IntDistribution(10, 60, step=10),
        "optimizer": CategoricalDistribution(("adam", "sgd")),
        "threshold": FloatDistribution(0.0, 1.0),  # a float field samples floats even between whole bounds
    }


def test_grid_values_come_from_steps_and_choices():
    space = parse_space("window=10..30:step=10,dropout=0..0.25:step=0.1,scheme=expanding|rolling,warm_start=true|false")
    assert space.grid() == {"window": [10, 20, 30], "dropout": [0.0, 0.1, 0.2],
                            "scheme": ["expanding", "rolling"], "warm_start": [True, False]}
    assert space.grid_size() == 3 * 3 * 2 * 2


def test_repeated_arch_is_a_categorical_dimension_first():
    space = parse_space("hidden_size=8..16", archs=["lstm", "gru", "lstm"])
    assert space.dimensions[0] == Dimension("arch", "categorical", choices=("lstm", "gru"))
    assert parse_space("hidden_size=8..16", archs=["lstm"]).names == ("hidden_size",)


@pytest.mark.parametrize("text, words", [
    ("hiden_size=8..64", ["no field 'hiden_size'", "hidden_size", "learning_rate", "window"]),
    ("window=60..10", ["window=60..10 is an inverted range", "window=10..60"]),
    ("window=10..10", ["window=10..10 is an empty range"]),
    ("window=10.5..60", ["window takes whole numbers"]),
    ("dropout=", ["dropout= has no values"]),
    ("dropout", ["Cannot read the --space entry 'dropout'"]),
    ("learning_rate=0..1e-2:log", ["learning_rate=0..1e-2:log needs a lower bound above 0"]),
    ("learning_rate=1e-4..1e-2:log:step=0.001", ["learning_rate: :log and :step cannot be combined"]),
    ("dropout=0..0.5:step=-0.1", ["dropout: :step must be a positive number"]),
    ("window=10..60:step=2.5", ["window: :step must be a positive whole number"]),
    ("dropout=0..0.5:cubic", ["dropout: unknown option :cubic"]),
    ("dropout=a..b", ["dropout: cannot read the number 'a'"]),
    ("optimizer=adam|lion", ["optimizer='lion' is not one of sgd, adam, adamw, rmsprop"]),
    ("optimizer=1..3", ["optimizer is not a number", "optimizer=sgd|adam|adamw|rmsprop"]),
    ("arch=lstm|transformer", ["arch='transformer' is not one of linear,", "patchtst"]),
    ("optimizer=adam|", ["optimizer has an empty choice"]),
    ("warm_start=yes|no", ["warm_start is true or false"]),
    ("window=10..20,window=30..40", ["names window more than once"]),
    ("dropout=0..0.5:log", ["needs a lower bound above 0"]),
])
def test_bad_spaces_are_refused_with_the_field_named(text, words):
    with pytest.raises(WorkbenchError) as error:
        parse_space(text)
    assert all(word in str(error.value) for word in words), str(error.value)


@pytest.mark.parametrize("text, field", [
    ("dropout=0..0.95", "dropout"),  # the model allows up to 0.9
    ("learning_rate=-1..1", "learning_rate"),
    ("early_stop_fraction=0.1..0.7", "early_stop_fraction"),
    ("position_size=0.5|2", "position_size"),
])
def test_values_the_run_configuration_rejects_are_refused_before_any_trial(text, field):
    with pytest.raises(WorkbenchError, match=f"--space {field}=.* is refused by the run configuration"):
        parse_space(text).check(BASE)


def test_an_empty_space_and_the_grid_without_steps_are_refused():
    with pytest.raises(WorkbenchError, match="search space is empty"):
        parse_space("").check(BASE)
    with pytest.raises(WorkbenchError, match="dropout is a continuous range: add :step=S"):
        parse_space("dropout=0..0.5").grid()
    with pytest.raises(WorkbenchError, match="given twice"):
        parse_space("arch=mlp|gru", archs=["mlp", "gru"])


def test_apply_builds_one_architecture_and_drops_fields_it_lacks():
    base = with_base(models=(BASE.models[0],))
    lstm = apply(base, {"arch": "lstm", "hidden_size": 12, "dropout": 0.2, "learning_rate": 0.005, "window": 20,
                        "retrain_every": 30, "threshold": 0.001})
    assert [m.arch for m in lstm.models] == ["lstm"] and lstm.models[0].hidden_size == 12
    assert (lstm.training.learning_rate, lstm.windows.window, lstm.walk_forward.retrain_every,
            lstm.trading.threshold) == (0.005, 20, 30, 0.001)
    mlp = apply(base, {"arch": "mlp", "hidden_size": 12, "dropout": 0.2})
    assert mlp.models[0].hidden_layers == (8,) and mlp.models[0].dropout == 0.2  # kept from the base, no hidden_size
    assert not hasattr(mlp.models[0], "hidden_size")


def test_ticker_and_horizon_make_a_sweep_dimension():
    base = with_base(data=DataConfig(tickers=("GOOG", "SP500"), csv_files=("data/aapl.csv",)))
    swept = apply(base, {"ticker": "AAPL", "horizon": 5})
    assert swept.data.series_names == ("AAPL",) and swept.windows.horizons == (5,)
    assert apply(base, {"ticker": "SP500"}).data.tickers == ("SP500",)
    with pytest.raises(WorkbenchError, match="ticker=MSFT is not among the series loaded .*add --ticker MSFT"):
        apply(base, {"ticker": "MSFT"})


def test_every_known_field_has_a_section():
    assert {"hidden_size", "learning_rate", "dropout", "window", "retrain_every", "arch", "ticker", "horizon",
            "threshold", "optimizer", "batch_size"} <= set(KNOWN_FIELDS)
    assert {section for section, _ in KNOWN_FIELDS.values()} == {"special", "model", "windows", "training",
                                                                 "walk_forward", "trading"}
