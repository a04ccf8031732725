"""The search space as a form lays it out: the fields a space may vary for a base run, each with its kind, its
choices and the base run's value, and the --space text of one form row (engine.experiments.space reads it back).

Qt-free and torch-free, so the GUI's Search tab builds its rows from here and keeps no list of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args, get_origin

from engine.experiments.space import KNOWN_FIELDS, Value
from engine.runs import RunConfig
from models import ARCHITECTURES

Kind = Literal["int", "float", "choice"]


@dataclass(frozen=True)
class SearchableField:
    name: str
    section: str  # where it lives: "model", a RunConfig section ("windows", "training", ...) or "special"
    kind: Kind  # a range of whole numbers, a range of numbers, or a list of choices
    choices: tuple[Value, ...]  # every allowed value of a "choice" field; () for a range
    value: Value  # what the base run gives it


def searchable_fields(base: RunConfig) -> tuple[SearchableField, ...]:
    """Every field a space may vary for `base`, in KNOWN_FIELDS' order: the model fields its architectures have,
    the run sections' numbers and choices, its series (ticker) and horizon. `arch` is left out: the
    architectures of `base` are its choices (as repeated --arch)."""
    rows = []
    for name, (section, hint) in KNOWN_FIELDS.items():
        if name == "arch" or (section == "model" and _model_value(base, name) is None):
            continue
        choices = _choices(name, hint, base)
        kind: Kind = "choice" if choices else "int" if hint is int else "float"
        rows.append(SearchableField(name, section, kind, choices, _value(base, name, section)))
    return tuple(rows)


def entry_text(name: str, *, low: str | Value = "", high: str | Value = "", log: bool = False,
               step: str | Value | None = None, choices: str | tuple | None = None) -> str:
    """One --space entry: `name=lo..hi[:log][:step=S]` for a range, `name=a|b` when choices are given (a tuple,
    or choices_text as typed). Text is taken as typed, so parse_space reports a bad value naming the field."""
    if choices is not None:
        return f"{name}={_text(choices) if isinstance(choices, str) else choices_text(choices)}"
    entry = f"{name}={_text(low)}..{_text(high)}"
    if log:
        entry += ":log"
    if step is not None and _text(step):
        entry += f":step={_text(step)}"
    return entry


def choices_text(choices) -> str:
    """Choices as an entry lists them: a|b|c."""
    return "|".join(map(_text, choices))


def space_text(entries) -> str:
    """The --space text of several entries."""
    return ",".join(entries)


def _text(value: str | Value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return value.strip() if isinstance(value, str) else repr(value)


def _choices(name: str, hint, base: RunConfig) -> tuple[Value, ...]:
    if name == "ticker":
        return tuple(base.data.series_names)
    if hint is bool:
        return (True, False)
    return get_args(hint) if get_origin(hint) is Literal else ()


def _value(base: RunConfig, name: str, section: str) -> Value:
    if section == "model":
        return _model_value(base, name)
    if name == "ticker":
        return base.data.series_names[0]
    if name == "horizon":
        return base.windows.horizons[0]
    return getattr(getattr(base, section), name)


def _model_value(base: RunConfig, name: str) -> Value | None:
    """The value of the first of base's models that has the field, or None when none has it."""
    for model in base.models:
        if name in ARCHITECTURES[model.arch].config.settings():
            return getattr(model, name)
    return None
