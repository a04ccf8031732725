"""Contract tests for every registered model, plus the catalog, the architectures' configs and HELP."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.errors import WorkbenchError
from models import (
    ARCHITECTURES,
    HELP,
    ModelConfig,
    fields_of,
    model_config_for,
    model_config_from_dict,
)
from models.registry import MODELS, build_model

T, F, OUT = 8, 4, 2  # window, features, outputs; T*F >= 16 so even "linear" can fit 16 samples
SMALL = dict(hidden_size=16, hidden_layers=(16,), channels=(8, 8), attention_size=8, moving_average=3, patch_len=4,
             stride=2, d_model=8, n_heads=2, encoder_layers=1)
ZOO = ["linear", "nlinear", "dlinear", "mlp", "rnn", "lstm", "gru", "cnn", "attention_lstm", "cnn_lstm", "patchtst"]
# The allowed values of every fixed-choice field of any architecture.
CHOICES = {name: spec.choices for entry in ARCHITECTURES.values()
           for name, spec in entry.config.settings().items() if spec.choices}

VARIANTS: dict[str, dict] = {
    "default": {},
    "bidirectional": dict(bidirectional=True, num_layers=1),
    "batch_norm": dict(norm="batch"),
    "layer_norm": dict(norm="layer"),
    "max_pool": dict(pooling="max"),
    "avg_pool": dict(pooling="avg"),
    "plain": dict(dilated=False, hidden_layers=(), kernel_size=1, dropout=0.0),
    **{f"act_{a}": dict(activation=a) for a in CHOICES["activation"]},
    **{f"init_{i}": dict(init=i) for i in CHOICES["init"]},
}


def make(arch: str, variant: str = "default", **overrides) -> torch.nn.Module:
    config = model_config_for(arch, **fields_of(arch, {**SMALL, **VARIANTS[variant], **overrides}))
    return build_model(config, n_timesteps=T, n_features=F, n_outputs=OUT)


def batch(n: int = 16, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, T, F, generator=g), torch.randn(n, OUT, generator=g)


# --- the registry contract ---


def test_registry_lists_every_family() -> None:
    assert list(ARCHITECTURES) == list(MODELS) == ZOO
    assert all(entry.summary.endswith(".") for entry in ARCHITECTURES.values())
    assert all(entry.title and entry.config.arch == name for name, entry in ARCHITECTURES.items())


def test_configs_and_help_load_without_torch() -> None:
    """Forms and --help describe models before torch loads: the models package must not import it."""
    code = "import sys, models; assert 'torch' not in sys.modules, 'models imported torch'"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_forward_shape_finite_and_gradients_reach_every_parameter(arch: str, variant: str) -> None:
    torch.manual_seed(0)
    model = make(arch, variant)
    x, y = batch()
    out = model(x)
    assert out.shape == (16, OUT) and out.dtype == torch.float32
    assert torch.isfinite(out).all()
    (out - y).square().mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, f"{name} got no gradient"


@pytest.mark.parametrize("variant", ["default", "bidirectional", "batch_norm", "layer_norm"])
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_overfits_one_small_batch(arch: str, variant: str) -> None:
    torch.manual_seed(0)
    model = make(arch, variant, dropout=0.0)
    x, y = batch()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)

    def loss() -> torch.Tensor:
        return (model(x) - y).square().mean()

    first = loss().item()
    for _ in range(200):
        optimiser.zero_grad()
        loss().backward()
        optimiser.step()
    assert loss().item() < 0.1 * first


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_batch_norm_predicts_single_samples_in_eval_mode(arch: str) -> None:
    model = make(arch, "batch_norm").eval()
    assert model(batch(1)[0]).shape == (1, OUT)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_same_seed_same_weights_and_outputs(arch: str) -> None:
    x, _ = batch()
    outputs = []
    for _ in range(2):
        torch.manual_seed(7)
        outputs.append(make(arch).eval()(x))
    assert torch.equal(*outputs)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_forward_has_no_data_dependent_python_control_flow(arch: str) -> None:
    # What CUDA graphs need: torch.fx can only trace a forward whose Python path and
    # shapes do not depend on tensor values.
    model = make(arch, "bidirectional", norm="layer").eval()
    traced = torch.fx.symbolic_trace(model)
    x, _ = batch()
    assert torch.equal(traced(x), model(x))


def test_cnn_is_causal() -> None:
    # With pooling "none" the output reads the last step, which must see every earlier
    # step it reaches and nothing else; changing step t must move only steps >= t.
    torch.manual_seed(0)
    blocks = make("cnn", channels=(8, 8, 8)).eval().blocks
    x, _ = batch(1)
    changed = x.clone()
    changed[:, 3] += 1.0
    diff = (blocks(changed.transpose(1, 2)) - blocks(x.transpose(1, 2))).abs().sum(dim=1)[0]
    assert torch.all(diff[:3] == 0) and torch.all(diff[3:] > 0)


FIELD_VALUES = dict(
    hidden_size=st.integers(1, 8),
    num_layers=st.integers(1, 3),
    bidirectional=st.booleans(),
    dropout=st.floats(0.0, 0.9),
    hidden_layers=st.lists(st.integers(1, 8), max_size=3).map(tuple),
    activation=st.sampled_from(CHOICES["activation"]),
    leaky_slope=st.floats(0.0, 1.0),
    init=st.sampled_from(CHOICES["init"]),
    norm=st.sampled_from(CHOICES["norm"]),
    channels=st.lists(st.integers(1, 8), min_size=1, max_size=3).map(tuple),
    kernel_size=st.integers(1, 5),
    dilated=st.booleans(),
    pooling=st.sampled_from(CHOICES["pooling"]),
    attention_size=st.integers(1, 8),
    moving_average=st.integers(1, 5),
    patch_len=st.integers(1, 6),
    stride=st.integers(1, 4),
    d_model=st.sampled_from([2, 4, 8]),
    n_heads=st.sampled_from([1, 2]),
    encoder_layers=st.integers(1, 2),
)
CONFIGS = st.sampled_from(list(ARCHITECTURES)).flatmap(
    lambda arch: st.fixed_dictionaries(fields_of(arch, FIELD_VALUES)).map(lambda f: model_config_for(arch, **f))
)


@settings(max_examples=40, deadline=None)
@given(
    config=CONFIGS,
    n=st.integers(1, 4),
    timesteps=st.integers(1, 12),
    features=st.integers(1, 5),
    outputs=st.integers(1, 3),
)
def test_output_shape_follows_the_data(
    config: ModelConfig, n: int, timesteps: int, features: int, outputs: int
) -> None:
    assume(_fits(config, timesteps))
    model = build_model(config, timesteps, features, outputs).eval()
    out = model(torch.randn(n, timesteps, features))
    assert out.shape == (n, outputs) and torch.isfinite(out).all()


def _fits(config: ModelConfig, window: int) -> bool:
    try:
        config.check_window(window)
    except WorkbenchError:
        return False
    return True


def test_build_model_rejects_empty_sizes() -> None:
    with pytest.raises(WorkbenchError, match="n_features must be at least 1"):
        build_model(model_config_for("lstm"), n_timesteps=8, n_features=0, n_outputs=1)


# --- the architectures' configs ---


@given(CONFIGS)
def test_config_json_round_trip(config: ModelConfig) -> None:
    # Equality also checks the tuple fields came back as tuples, not lists.
    assert model_config_from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_from_dict_keeps_defaults_for_missing_keys_and_rejects_unknown_ones() -> None:
    assert model_config_from_dict({"arch": "gru"}) == model_config_for("gru")
    with pytest.raises(WorkbenchError, match="lstm has no field 'hiden_size'"):
        model_config_from_dict({"hiden_size": 8})


def test_a_field_the_architecture_lacks_is_refused_naming_the_fields_it_has() -> None:
    with pytest.raises(WorkbenchError, match=r"^lstm has no field 'channels': its fields are hidden_size, "
                                             r"num_layers, bidirectional, hidden_layers, .*, init; remove it"):
        model_config_for("lstm", channels=(8,))
    with pytest.raises(WorkbenchError, match=r"^linear has no field 'dropout': its fields are init;"):
        model_config_from_dict({"arch": "linear", "dropout": 0.1})


def test_fields_of_keeps_only_the_fields_an_architecture_has() -> None:
    shared = {"hidden_size": 8, "dropout": 0.0, "channels": (4,)}
    assert fields_of("lstm", shared) == {"hidden_size": 8, "dropout": 0.0}
    assert fields_of("cnn", shared) == {"dropout": 0.0, "channels": (4,)}
    assert fields_of("linear", shared) == {}


def test_each_architecture_has_the_fields_its_network_reads_in_the_order_of_its_form() -> None:
    dense = ("hidden_layers", "activation", "leaky_slope", "dropout", "norm", "init")
    recurrent = ("hidden_size", "num_layers", "bidirectional", *dense)
    assert {name: tuple(entry.config.settings()) for name, entry in ARCHITECTURES.items()} == {
        "linear": ("init",), "mlp": dense, "rnn": recurrent, "lstm": recurrent, "gru": recurrent,
        "cnn": ("channels", "kernel_size", "dilated", "pooling", *dense),
        "nlinear": ("init",), "dlinear": ("moving_average", "init"),
        "attention_lstm": ("attention_size", *recurrent),
        "cnn_lstm": ("hidden_size", "num_layers", "bidirectional", "channels", "kernel_size", "dilated", "pooling",
                     *dense),
        "patchtst": ("patch_len", "stride", "d_model", "n_heads", "encoder_layers", *dense),
    }


def test_the_shared_fields_are_declared_once() -> None:
    classes = {klass for entry in ARCHITECTURES.values() for klass in entry.config.__mro__}
    each_class_says = {"arch", "title", "summary", "network"}  # the catalog's facts of each architecture
    declared = [name for klass in classes for name in inspect.get_annotations(klass) if name not in each_class_says]
    assert sorted(declared) == sorted(set(declared))


def test_the_base_config_is_no_architecture() -> None:
    with pytest.raises(TypeError, match="model_config_for"):
        ModelConfig()


def _config_with(field: str, value: object) -> ModelConfig:
    """The first architecture that has field, with value in it."""
    if field == "arch":
        return model_config_for(value)
    arch = next(name for name, entry in ARCHITECTURES.items() if field in entry.config.settings())
    return model_config_for(arch, **{field: value})


@pytest.mark.parametrize(
    "field, value",
    [
        ("arch", "transformer"),
        ("hidden_size", 0),
        ("hidden_size", 64.0),
        ("num_layers", 17),
        ("bidirectional", 1),
        ("dropout", 1.0),
        ("dropout", float("nan")),
        ("hidden_layers", (64, 0)),
        ("hidden_layers", [64]),
        ("activation", "gelu"),
        ("leaky_slope", -0.1),
        ("init", "orthogonal"),
        ("norm", "group"),
        ("channels", ()),
        ("kernel_size", 0),
        ("dilated", "yes"),
        ("pooling", "min"),
        ("moving_average", 0),
        ("attention_size", 0),
        ("patch_len", 0),
        ("stride", 513),
        ("d_model", 0),
        ("n_heads", 1.5),
        ("encoder_layers", 13),
    ],
)
def test_invalid_value_names_the_field(field: str, value: object) -> None:
    with pytest.raises(WorkbenchError, match=rf"^{field} must "):
        _config_with(field, value)


def test_out_of_range_message_gives_range_and_fix() -> None:
    with pytest.raises(WorkbenchError, match=r"between 1 and 4096, got 0: choose"):
        model_config_for("lstm", hidden_size=0)


def test_unknown_arch_lists_the_available_ones() -> None:
    with pytest.raises(WorkbenchError, match=", ".join(ARCHITECTURES)):
        model_config_for("transformer")


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_every_field_has_help_a_label_and_every_number_its_limits(arch: str) -> None:
    for spec in ARCHITECTURES[arch].config.settings().values():
        assert len(spec.help) > 80 and spec.label, spec.name
        if spec.hint in (int, float) or spec.hint == tuple[int, ...]:
            assert spec.limits is not None and spec.advice, spec.name
            assert spec.limits[0] <= (min(spec.default, default=spec.limits[0]) if spec.hint == tuple[int, ...]
                                      else spec.default) <= spec.limits[1], spec.name


# --- HELP ---


def test_help_explains_every_setting() -> None:
    training = {"l1", "l2", "learning_rate", "batch_size", "epochs", "patience", "optimizer"}
    training |= {"momentum", "grad_clip", "window", "horizons"}
    expected = {name for entry in ARCHITECTURES.values() for name in entry.config.settings()} | training
    assert expected <= set(HELP)
    assert all(len(text) > 80 for text in HELP.values())


# --- windows too short, and the newer architectures' own rules ---


@pytest.mark.parametrize("arch, fields, message", [
    ("patchtst", dict(patch_len=16), r"^patchtst: the patch \(16 bars\) is longer than the window \(8 bars\): use a "
                                     r"patch of at most 8 bars or a window of at least 16 bars"),
    ("dlinear", dict(moving_average=9), r"^dlinear: the moving-average kernel \(9 bars\) is wider than the window "
                                        r"\(8 bars\): use a kernel of at most 8 bars"),
])
def test_a_window_too_short_for_the_architecture_is_refused_before_training(arch, fields, message) -> None:
    from engine.runs import RunConfig
    from engine.windows import WindowConfig

    config = model_config_for(arch, **fields)
    with pytest.raises(WorkbenchError, match=message):
        build_model(config, n_timesteps=T, n_features=F, n_outputs=OUT)
    with pytest.raises(WorkbenchError, match=message):
        RunConfig(windows=WindowConfig(window=T), models=(config,))
    build_model(config, n_timesteps=20, n_features=F, n_outputs=OUT)  # a longer window takes it


def test_heads_that_do_not_divide_the_model_width_are_refused() -> None:
    with pytest.raises(WorkbenchError, match=r"^3 attention heads do not divide the model width 32: choose "
                                             r"a width that is a multiple of the heads \(e.g. 30\)"):
        model_config_for("patchtst", n_heads=3)


def test_patches_end_on_the_last_bar() -> None:
    # T = 8, patch 3, stride 2: patches cover bars 1-3, 3-5, 5-7 (0-based); bar 0 is left out, bar 7 is read.
    model = build_model(model_config_for("patchtst", patch_len=3, stride=2, d_model=8, n_heads=2), T, F, OUT).eval()
    assert model.n_patches == 3 and model.first_bar == 1
    x, _ = batch(2)
    changed = x.clone()
    changed[:, 0] += 5.0
    assert torch.equal(model(changed), model(x))
    changed[:, -1] += 5.0
    assert not torch.allclose(model(changed), model(x))


@pytest.mark.parametrize("arch", ZOO)
def test_no_prediction_sees_a_bar_after_its_window(arch: str) -> None:
    """Future perturbation: windows slid over one series and predicted in one batch; changing every bar after t
    leaves the predictions of the windows ending at or before t exactly as they were (no leak across the batch)."""
    torch.manual_seed(0)
    model = make(arch, "batch_norm" if arch not in ("linear", "nlinear", "dlinear") else "default").eval()
    series = torch.randn(40, F)
    windows = lambda s: s.unfold(0, T, 1).transpose(1, 2)  # (40 - T + 1, T, F): window i ends at bar i + T - 1
    cut = 25
    perturbed = series.clone()
    perturbed[cut + 1:] = torch.randn(40 - cut - 1, F) * 3.0
    before, after = model(windows(series)), model(windows(perturbed))
    kept = cut - T + 2  # windows ending at bars <= cut
    assert torch.equal(before[:kept], after[:kept])
    assert not torch.allclose(before[kept:], after[kept:])


@pytest.mark.parametrize("arch", ["attention_lstm", "patchtst"])
def test_attention_weights_cover_the_window_and_sum_to_one(arch: str) -> None:
    torch.manual_seed(0)
    model = make(arch).eval()
    x, _ = batch(5)
    weights = model.attention(x)
    assert weights.shape == (5, T) and (weights >= 0).all()
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(5))
    assert not torch.allclose(weights[0], weights[1])  # they depend on the window


def test_the_registry_reads_each_network_off_its_catalog_entry() -> None:
    from models import DETECTORS
    from models.registry import DETECTORS as DETECTOR_NETWORKS

    assert MODELS.keys() == ARCHITECTURES.keys() and DETECTOR_NETWORKS.keys() == DETECTORS.keys()
    for networks, catalog in ((MODELS, ARCHITECTURES), (DETECTOR_NETWORKS, DETECTORS)):
        for name, entry in catalog.items():
            module, _, cls = entry.config.network.partition(":")
            assert (networks[name].__module__, networks[name].__name__) == (module, cls)
            assert entry.title and entry.summary  # its card's heading and line, from the same config
