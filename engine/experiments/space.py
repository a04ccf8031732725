"""The search space: which fields of a run configuration an experiment varies, and over what values.

Text form, as --space takes it: entries separated by commas, each `field=spec`:

    hidden_size=8..64:log    a range; ints when both bounds are whole numbers (and the field is whole)
    dropout=0..0.5:step=0.1  :step=S discretises it and gives the grid's values; :log samples on a log scale
    optimizer=adam|sgd       a categorical choice

Fields are the run configuration's names (models, windows, training, walk-forward, trading), plus `arch`,
`ticker` (one series per trial) and `horizon` (one horizon per trial). Every bound and choice is checked
against the configuration it lands in, so a space the configs reject fails before any trial runs.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, Literal, get_args, get_origin, get_type_hints

from engine.errors import WorkbenchError
from engine.fit_config import TrainConfig, WalkForwardConfig
from engine.runs import RunConfig, csv_series_name
from engine.trading import TradingConfig
from engine.windows import WindowConfig
from models import ARCHITECTURES, fields_of, model_config_for

Value = int | float | str | bool

# Run-config sections a field may come from, by the attribute of RunConfig that holds them.
_SECTIONS = {"windows": WindowConfig, "training": TrainConfig, "walk_forward": WalkForwardConfig,
             "trading": TradingConfig}
# Per-trial choices that are not one config field: the architecture, the series, the horizon.
_SPECIAL = {"arch": str, "ticker": str, "horizon": int}


def _scalar_fields(config: type) -> dict[str, Any]:
    """The fields of a settings dataclass a space can vary: numbers, booleans and fixed choices (no tuples)."""
    hints = get_type_hints(config)
    return {f.name: hints[f.name] for f in fields(config)
            if hints[f.name] in (int, float, bool) or get_origin(hints[f.name]) is Literal}


def _known_fields() -> dict[str, tuple[str, Any]]:
    """Every field a space may name → (the RunConfig section or "model" or "special", its type)."""
    known: dict[str, tuple[str, Any]] = {name: ("special", hint) for name, hint in _SPECIAL.items()}
    for entry in ARCHITECTURES.values():
        for name, spec in entry.config.settings().items():
            if spec.hint in (int, float, bool) or spec.choices:
                known.setdefault(name, ("model", spec.hint))
    for section, config in _SECTIONS.items():
        for name, hint in _scalar_fields(config).items():
            if name not in ("features", "horizons", "val_start", "test_start"):
                known.setdefault(name, (section, hint))
    return known


KNOWN_FIELDS = _known_fields()


@dataclass(frozen=True)
class Dimension:
    """One varied field: a range (int or float, optionally log-scaled or stepped) or a list of choices."""

    name: str
    kind: Literal["int", "float", "categorical"]
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple[Value, ...] = ()

    def distribution(self):
        """The Optuna distribution Optuna samples this dimension from."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if self.kind == "categorical":
            return CategoricalDistribution(self.choices)
        if self.kind == "int":
            return IntDistribution(int(self.low), int(self.high), log=self.log, step=int(self.step or 1))
        return FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def grid_values(self) -> list[Value]:
        """Every value a grid visits: the choices, or the range walked in steps."""
        if self.kind == "categorical":
            return list(self.choices)
        if self.step is None:
            raise WorkbenchError(f"The grid sampler needs a finite set of values, but {self.name} is a continuous "
                                 f"range: add :step=S (e.g. {self.name}={_number(self.low)}..{_number(self.high)}"
                                 f":step=...) or list the values as a|b|c.")
        count = int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1
        values = [self.low + i * self.step for i in range(count)]
        return [int(v) for v in values] if self.kind == "int" else [round(v, 12) for v in values]

    def checked_values(self) -> list[Value]:
        """The values that show whether the configs accept the whole dimension: its choices, or both bounds."""
        return list(self.choices) if self.kind == "categorical" else [self.typed(self.low), self.typed(self.high)]

    def typed(self, value: float) -> Value:
        return int(value) if self.kind == "int" else float(value)


@dataclass(frozen=True)
class SearchSpace:
    dimensions: tuple[Dimension, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    def distributions(self) -> dict:
        return {d.name: d.distribution() for d in self.dimensions}

    def grid(self) -> dict[str, list[Value]]:
        return {d.name: d.grid_values() for d in self.dimensions}

    def grid_size(self) -> int:
        return math.prod(len(values) for values in self.grid().values())

    def check(self, base: RunConfig) -> None:
        """Build a configuration at every bound and choice of each dimension; the first one refused is a
        WorkbenchError naming its field."""
        if not self.dimensions:
            raise WorkbenchError("The search space is empty: give at least one field=spec in --space, or repeat "
                                 "--arch to search over architectures.")
        for dimension in self.dimensions:
            for value in dimension.checked_values():
                if dimension.name == "arch":
                    apply(base, {"arch": value})
                    continue
                for arch in self._archs(base):
                    try:
                        apply(base, {"arch": arch, dimension.name: value})
                    except WorkbenchError as error:
                        raise WorkbenchError(f"--space {dimension.name}={value!r} is refused by the run "
                                             f"configuration: {error}") from None

    def _archs(self, base: RunConfig) -> list[str]:
        arch = next((d for d in self.dimensions if d.name == "arch"), None)
        return [str(a) for a in arch.choices] if arch else [base.models[0].arch]


def parse_space(text: str, archs: Sequence[str] = ()) -> SearchSpace:
    """The space of --space text; two or more --arch add the architecture as a categorical dimension."""
    dimensions = [_parse_entry(entry.strip()) for entry in text.split(",") if entry.strip()] if text else []
    names = [d.name for d in dimensions]
    if repeated := sorted({name for name in names if names.count(name) > 1}):
        raise WorkbenchError(f"--space names {', '.join(repeated)} more than once: give each field one spec.")
    archs = list(dict.fromkeys(archs))
    if len(archs) > 1:
        if "arch" in names:
            raise WorkbenchError("The architectures are given twice, by repeated --arch and by arch= in --space: "
                                 "use one of the two.")
        dimensions.insert(0, Dimension("arch", "categorical", choices=tuple(archs)))
    return SearchSpace(tuple(dimensions))


def _parse_entry(entry: str) -> Dimension:
    name, sep, spec = entry.partition("=")
    name, spec = name.strip(), spec.strip()
    if not sep or not name:
        raise WorkbenchError(f"Cannot read the --space entry {entry!r}: write field=spec, e.g. hidden_size=8..64:log "
                             "or optimizer=adam|sgd.")
    if name not in KNOWN_FIELDS:
        raise WorkbenchError(f"--space has no field {name!r}: the known fields are {', '.join(sorted(KNOWN_FIELDS))}.")
    if not spec:
        raise WorkbenchError(f"--space {name}= has no values: give a range lo..hi or choices a|b|c.")
    hint = KNOWN_FIELDS[name][1]
    body, *options = [part.strip() for part in spec.split(":")]
    if ".." in body:
        return _range(name, hint, body, options)
    if options:
        raise WorkbenchError(f"--space {name}={spec}: :log and :step apply to ranges lo..hi only, not to choices.")
    return Dimension(name, "categorical", choices=tuple(dict.fromkeys(_choice(name, hint, v.strip())
                                                                      for v in body.split("|"))))


def _range(name: str, hint: Any, body: str, options: list[str]) -> Dimension:
    if hint not in (int, float):
        allowed = "|".join(map(str, _choices_of(hint))) or "a|b"
        raise WorkbenchError(f"--space {name} is not a number, so it takes choices, not a range: e.g. "
                             f"{name}={allowed}.")
    low_text, _, high_text = body.partition("..")
    low, high = (_number_of(name, text.strip()) for text in (low_text, high_text))
    if hint is int and not all(isinstance(v, int) for v in (low, high)):
        raise WorkbenchError(f"--space {name} takes whole numbers, got {body}: write e.g. {name}=10..60.")
    if not low < high:
        kind = "empty" if low == high else "inverted"
        raise WorkbenchError(f"--space {name}={body} is an {kind} range: the lower bound must be below the upper "
                             f"one, e.g. {name}={_number(min(low, high))}..{_number(max(low, high) + (low == high))}.")
    log, step = False, None
    for option in options:
        if option == "log":
            log = True
        elif option.startswith("step="):
            step = _number_of(name, option[5:].strip())
        else:
            raise WorkbenchError(f"--space {name}: unknown option :{option}; use :log or :step=S.")
    kind = "int" if hint is int else "float"
    if log and low <= 0:
        raise WorkbenchError(f"--space {name}={body}:log needs a lower bound above 0 (a log scale has no 0).")
    if log and step is not None:
        raise WorkbenchError(f"--space {name}: :log and :step cannot be combined; choose one.")
    if step is not None and (not step > 0 or (kind == "int" and step != int(step))):
        raise WorkbenchError(f"--space {name}: :step must be a positive{' whole' * (kind == 'int')} number, "
                             f"got {_number(step)}.")
    if step is not None and kind == "float":
        high = low + math.floor((high - low) / step + 1e-9) * step  # Optuna wants the span a multiple of the step
    return Dimension(name, kind, float(low), float(high), log, None if step is None else float(step))


def _number_of(name: str, text: str) -> int | float:
    try:
        number = float(text)
    except ValueError:
        raise WorkbenchError(f"--space {name}: cannot read the number {text!r}; write e.g. 8, 0.5 or 1e-4.") from None
    if not math.isfinite(number):
        raise WorkbenchError(f"--space {name}: {text} is not a finite number.")
    whole = text.lstrip("+-").isdigit()
    return int(number) if whole else number


def _choice(name: str, hint: Any, text: str) -> Value:
    if not text:
        raise WorkbenchError(f"--space {name} has an empty choice: write choices as a|b|c.")
    if hint is bool:
        if text.lower() not in ("true", "false"):
            raise WorkbenchError(f"--space {name} is true or false, got {text!r}.")
        return text.lower() == "true"
    if hint in (int, float):
        value = _number_of(name, text)
        if hint is int and not isinstance(value, int):
            raise WorkbenchError(f"--space {name} takes whole numbers, got {text!r}.")
        return value
    allowed = _choices_of(hint)
    if name == "arch":
        allowed = tuple(ARCHITECTURES)
    if allowed and text not in allowed:
        raise WorkbenchError(f"--space {name}={text!r} is not one of {', '.join(map(str, allowed))}.")
    return text


def _choices_of(hint: Any) -> tuple:
    return get_args(hint) if get_origin(hint) is Literal else (True, False) if hint is bool else ()


def _number(value: float) -> str:
    return f"{value:g}"


def apply(base: RunConfig, params: Mapping[str, Value]) -> RunConfig:
    """The run configuration of one trial: the base with the trial's values, one architecture, and its series and
    horizon when the space chooses them. Fields the trial's architecture lacks are dropped (models.fields_of)."""
    by_section: dict[str, dict[str, Value]] = {}
    for name, value in params.items():
        by_section.setdefault(KNOWN_FIELDS[name][0], {})[name] = value
    special, model_values = by_section.pop("special", {}), by_section.pop("model", {})
    arch = str(special.get("arch", base.models[0].arch))
    own = next((m for m in base.models if m.arch == arch), None)
    start = own.to_dict() if own is not None else fields_of(arch, base.models[0].to_dict())
    start.pop("arch", None)
    model = model_config_for(arch, **{**start, **fields_of(arch, model_values)})
    sections = {section: replace(getattr(base, section), **values) for section, values in by_section.items()}
    if "horizon" in special:
        sections["windows"] = replace(sections.get("windows", base.windows), horizons=(int(special["horizon"]),))
    config = replace(base, models=(model,), **sections)
    if "ticker" in special:
        config = replace(config, data=_one_series(base, str(special["ticker"])))
    return config


def _one_series(base: RunConfig, name: str):
    data = base.data
    if name in data.tickers:
        return replace(data, tickers=(name,), csv_files=())
    paths = [path for path in data.csv_files if csv_series_name(path) == name]
    if not paths:
        raise WorkbenchError(f"ticker={name} is not among the series loaded ({', '.join(data.series_names)}): add "
                             f"--ticker {name} (or its --csv file).")
    return replace(data, tickers=(), csv_files=(paths[0],))
