"""The Model panel builds every card from the models catalog: a new architecture needs no edit here."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import ClassVar

import pytest

from gui.panels import model_panel
from gui.panels.model_panel import ModelPanel
from models import ARCHITECTURES, Architecture
from models.config import DenseConfig, setting


@dataclass(frozen=True)
class _AttentionConfig(DenseConfig):
    arch: ClassVar[str] = "attention"
    title: ClassVar[str] = "Attention"
    summary: ClassVar[str] = "Attends to the bars that matter most."
    network: ClassVar[str] = "models.mlp:MLP"  # never built here

    heads: int = setting(2, label="Attention heads", limits=(1, 16), advice="use a few heads, e.g. 2",
                         help="How many attention heads look at the window side by side. " * 3)
    causal: bool = setting(True, help="Let each step attend to earlier steps only, never to later ones. " * 3)


@pytest.fixture
def with_attention(monkeypatch):
    entry = Architecture(_AttentionConfig)  # its one line in the catalog
    monkeypatch.setitem(ARCHITECTURES, entry.name, entry)
    return entry


def test_a_new_architecture_in_the_catalog_gets_a_card_with_its_fields(qtbot, with_attention):
    panel = ModelPanel()
    qtbot.addWidget(panel)
    card = panel.cards["attention"]
    assert (card.enabled.text(), card.summary.text()) == ("Attention", "Attends to the bars that matter most.")
    assert list(card.form.fields) == list(_AttentionConfig.settings())
    heads = card.form.fields["heads"]
    assert card.form.labels["heads"].text() == "Attention heads"
    assert (heads.minimum(), heads.maximum(), heads.value()) == (1, 16, 2)
    assert heads.property("helpText") == _AttentionConfig.settings()["heads"].help
    assert card.form.fields["causal"].isChecked()

    heads.setValue(4)
    panel.set_checked("lstm", False)
    panel.set_checked("attention")
    assert panel.errors() == []
    assert panel.configs() == (_AttentionConfig(heads=4),)


def test_every_card_starts_at_its_architectures_defaults(qtbot):
    panel = ModelPanel()
    qtbot.addWidget(panel)
    assert {arch: card.config() for arch, card in panel.cards.items()} == \
        {arch: entry.config() for arch, entry in ARCHITECTURES.items()}


def test_a_field_that_acts_only_with_another_value_is_greyed_out_until_then(qtbot):
    panel = ModelPanel()
    qtbot.addWidget(panel)
    fields = panel.cards["mlp"].form.fields
    assert not fields["leaky_slope"].isEnabled()
    fields["activation"].setCurrentIndex(fields["activation"].findData("leaky_relu"))
    assert fields["leaky_slope"].isEnabled()


def test_the_panel_names_no_architecture_and_no_field():
    source = inspect.getsource(model_panel)
    names = {*ARCHITECTURES, *(name for entry in ARCHITECTURES.values() for name in entry.config.settings())}
    assert [name for name in sorted(names) if f'"{name}"' in source or f"'{name}'" in source] == []
