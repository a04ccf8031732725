"""Settings (fields declared with setting()), ModelConfig, the base of every architecture's config, and
DenseConfig, the dense head most of them share.

Each field is declared once with setting(): its default beside its help, label, limits and advice, so the checks,
the Model panel's form and --help all read the same declaration. Nothing here imports torch.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import Field, asdict, dataclass, field, fields
from typing import Any, ClassVar, Literal, Mapping, Self, get_args, get_origin, get_type_hints

from models.errors import WorkbenchError

Activation = Literal["relu", "leaky_relu", "tanh", "sigmoid", "elu", "selu"]
Init = Literal["default", "xavier", "he", "lecun"]
Norm = Literal["none", "batch", "layer"]


@dataclass(frozen=True)
class Setting:
    """One config field as the checks, the forms and --help see it."""

    name: str
    hint: Any  # the annotation: int, float, bool, a Literal or tuple[int, ...]
    default: Any
    help: str  # the paragraph of tooltips and the help box
    label: str  # the form's caption
    limits: tuple[float, float] | None = None  # inclusive range of a number, or of each entry of a tuple
    lengths: tuple[int, int] | None = None  # inclusive range of a tuple's length
    advice: str = ""  # what to do, ending the error message
    active_when: tuple[str, Any] | None = None  # (field, value) without which this one has no effect

    @property
    def choices(self) -> tuple[str, ...]:
        """The allowed values of a fixed-choice field; () for any other."""
        return get_args(self.hint) if get_origin(self.hint) is Literal else ()


def setting(default: Any, *, help: str, label: str = "", limits: tuple[float, float] | None = None,
            lengths: tuple[int, int] | None = None, advice: str = "",
            active_when: tuple[str, Any] | None = None) -> Any:
    """A config field: its default and what Setting adds; label defaults to the name, capitalised."""
    return field(default=default, metadata={"help": help, "label": label, "limits": limits, "lengths": lengths,
                                            "advice": advice, "active_when": active_when})


@dataclass(frozen=True)
class Settings:
    """A frozen config whose fields are all declared with setting(): checked on construction, described by
    settings(), so forms, --help and error messages read one declaration (model, generator and detector configs)."""

    def __post_init__(self) -> None:
        for spec in self.settings().values():
            check_setting(spec, getattr(self, spec.name))

    @classmethod
    def settings(cls) -> dict[str, Setting]:
        """Every field by name: the subclass's own first, then those it inherits (the order of its form)."""
        return _settings(cls)

    def to_dict(self) -> dict[str, Any]:
        """Every field, plain values only, ready for json.dumps."""
        return asdict(self)


@dataclass(frozen=True)
class ModelConfig(Settings):
    """What to build; input and output sizes come from the data, not from here.

    Subclassed once per architecture (its `arch` is its name in models.catalog); build one by name with
    models.model_config_for(arch, **fields).
    """

    arch: ClassVar[str]  # its name in the catalog, the registry and stored runs
    title: ClassVar[str]  # the heading of its card on the Model panel
    summary: ClassVar[str]  # one plain line under the heading
    network: ClassVar[str]  # "module:Class" of its torch network, imported only by models.registry

    init: Init = setting("xavier", label="Weight init", help=(
        "How the weights are set before training starts. 'xavier' (Glorot) suits tanh and "
        "sigmoid, 'he' (Kaiming) suits ReLU-like activations, 'lecun' suits SELU, and 'default' "
        "keeps PyTorch's own choice. A poor start makes signals shrink or blow up as they pass "
        "through the layers, so training stalls or diverges; for shallow models the difference "
        "is small."
    ))

    def __post_init__(self) -> None:
        if not hasattr(self, "arch"):
            raise TypeError("ModelConfig is the base of the architectures' configs: use models.model_config_for(arch)")
        super().__post_init__()

    def check_window(self, window: int) -> None:
        """Raise WorkbenchError, saying what to do, when windows of `window` bars are too short for this
        architecture (a patch or a kernel wider than the window); most take any window."""

    @classmethod
    def with_fields(cls, values: Mapping[str, Any]) -> Self:
        """This architecture's config; a field it does not have is a WorkbenchError naming the ones it has."""
        known = cls.settings()
        for name in values:
            if name not in known:
                raise WorkbenchError(f"{cls.arch} has no field {name!r}: its fields are {', '.join(known)}; "
                                     "remove it or choose an architecture that has it")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The architecture's name and every field, plain values only, ready for json.dumps."""
        return {"arch": self.arch, **asdict(self)}


@dataclass(frozen=True)
class DenseConfig(ModelConfig):
    """The dense layers every architecture but the linear one ends in (the MLP is nothing else)."""

    hidden_layers: tuple[int, ...] = setting(
        (64, 32), label="Dense layers", limits=(1, 4096), lengths=(0, 8),
        advice="give each dense layer a positive width, e.g. (64, 32)", help=(
            "Widths of the dense (fully connected) layers: the whole body of the MLP, and the head "
            "that turns RNN or CNN features into the prediction. (64, 32) means a layer of 64 units "
            "then one of 32; an empty list goes straight to the output. Wider or more layers add "
            "capacity and the risk of overfitting; too small limits what the model can combine."
        ))
    activation: Activation = setting("relu", help=(
        "The non-linear function after each dense or conv layer; without one, stacked layers "
        "collapse into a single linear map. 'relu' is a fast default. 'leaky_relu' keeps a small "
        "slope for negative inputs so units cannot switch off for good. 'elu' and 'selu' are "
        "smooth variants ('selu' pairs with 'lecun' init). 'tanh' and 'sigmoid' squash values "
        "into a small range and can make deep stacks learn slowly (vanishing gradients)."
    ))
    leaky_slope: float = setting(
        0.01, limits=(0.0, 1.0), advice="use a small slope such as 0.01",
        active_when=("activation", "leaky_relu"), help=(
            "Slope that 'leaky_relu' uses for negative inputs; other activations ignore it. 0 makes "
            "it a plain ReLU, whose units can stop learning if they only ever see negative inputs. "
            "Near 1 it is almost linear, so the layer adds little. 0.01 to 0.2 is typical."
        ))
    dropout: float = setting(
        0.1, limits=(0.0, 0.9), advice="use 0 for none or a small fraction such as 0.1", help=(
            "Fraction of units switched off at random at each training step, between layers and in "
            "the dense head, so the network cannot lean on any single unit. It is turned off when "
            "predicting. 0 means none; 0.1 to 0.3 is common. Too low lets a large model memorise "
            "the training data; too high (above about 0.5) makes learning slow and noisy and the "
            "model underfits."
        ))
    norm: Norm = setting("none", label="Normalisation", help=(
        "Rescales values inside the dense and conv layers to a steady range, which often makes "
        "training faster and more stable. 'batch' normalises across the samples of a batch: "
        "training needs batches of 2 or more (prediction works on single samples). 'layer' "
        "normalises within each sample and works with any batch size. 'none' is simplest and "
        "fine for small models."
    ))


@functools.cache
def _settings(config: type[Settings]) -> dict[str, Setting]:
    hints, declared = get_type_hints(config), {f.name: f for f in fields(config)}
    own_first = dict.fromkeys(name for klass in config.__mro__ for name in inspect.get_annotations(klass)
                              if name in declared)
    return {name: _setting(name, hints[name], declared[name]) for name in own_first}


def _setting(name: str, hint: Any, declared: Field) -> Setting:
    metadata = dict(declared.metadata)
    metadata["label"] = metadata["label"] or name.replace("_", " ").capitalize()
    return Setting(name, hint, declared.default, **metadata)


_TYPES = {
    bool: ("true or false", lambda v: isinstance(v, bool)),
    int: ("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    float: ("a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
    str: ("text", lambda v: isinstance(v, str)),
}


def check_setting(spec: Setting, value: Any) -> None:
    """Raise WorkbenchError naming the field, what it allows and what to do (its own type and limits only)."""
    name, fix = spec.name, f": {spec.advice}" if spec.advice else ""
    if spec.choices:
        if value not in spec.choices:
            raise WorkbenchError(
                f"{name} must be one of {', '.join(spec.choices)}, got {value!r}: pick one of those"
            )
    elif get_origin(spec.hint) is tuple:
        is_int = _TYPES[int][1]
        if not isinstance(value, tuple) or not all(is_int(v) for v in value):
            raise WorkbenchError(f"{name} must be a tuple of whole numbers, got {value!r}{fix}")
        shortest, longest = spec.lengths
        if not shortest <= len(value) <= longest:
            raise WorkbenchError(
                f"{name} must have between {shortest} and {longest} entries, got {len(value)}{fix}"
            )
        for entry in value:
            _check_range(spec, entry)
    else:
        description, fits = _TYPES[spec.hint]
        if not fits(value):
            raise WorkbenchError(f"{name} must be {description}, got {value!r}{fix}")
        _check_range(spec, value)


def _check_range(spec: Setting, value: float) -> None:
    if spec.limits is None:
        return
    lowest, highest = spec.limits
    if not lowest <= value <= highest:  # also rejects NaN
        raise WorkbenchError(
            f"{spec.name} must be between {lowest} and {highest}, got {value!r}: {spec.advice}"
        )
