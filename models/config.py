"""ModelConfig: the architecture choices for one model, validated and JSON-friendly."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, Mapping, get_args, get_origin, get_type_hints

from models.errors import WorkbenchError
from models.help import ARCHITECTURES

Activation = Literal["relu", "leaky_relu", "tanh", "sigmoid", "elu", "selu"]
Init = Literal["default", "xavier", "he", "lecun"]
Norm = Literal["none", "batch", "layer"]
Pooling = Literal["none", "max", "avg"]


@dataclass(frozen=True)
class ModelConfig:
    """What to build; input and output sizes come from the data, not from here."""

    arch: str = "lstm"  # a key of ARCHITECTURES
    # recurrent: rnn, lstm, gru
    hidden_size: int = 64  # units in each recurrent layer
    num_layers: int = 2  # stacked recurrent layers
    bidirectional: bool = False  # also read the window newest → oldest
    # shared by every family
    dropout: float = 0.1  # fraction zeroed between layers while training
    hidden_layers: tuple[int, ...] = (64, 32)  # dense widths: the MLP body, the head after RNN/CNN
    activation: Activation = "relu"
    leaky_slope: float = 0.01  # negative-side slope of leaky_relu
    init: Init = "xavier"  # "default" keeps torch's own initialisation
    norm: Norm = "none"  # normalisation inside dense and conv stacks
    # convolutional: cnn
    channels: tuple[int, ...] = (32, 32)  # one causal conv block per entry
    kernel_size: int = 3  # time steps each filter spans
    dilated: bool = True  # dilations 1, 2, 4, ... (TCN-style)
    pooling: Pooling = "none"  # "none" reads the last time step

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise WorkbenchError naming the first bad field, what it allows and what to do."""
        for f in fields(self):
            _check(f.name, getattr(self, f.name), _HINTS[f.name])
        if self.arch not in ARCHITECTURES:
            raise WorkbenchError(
                f"arch must be one of {', '.join(ARCHITECTURES)}, got {self.arch!r}: "
                "pick one of those"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain values only, ready for json.dumps."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ModelConfig:
        """Rebuild from to_dict() output (e.g. parsed JSON); missing keys keep their defaults."""
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise WorkbenchError(
                f"unknown ModelConfig field(s) {', '.join(unknown)}: "
                f"remove them or use one of {', '.join(known)}"
            )
        # JSON has no tuples, so the tuple fields come back as lists.
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


_HINTS = get_type_hints(ModelConfig)

# The allowed values of each fixed-choice field (arch's are models.ARCHITECTURES).
CHOICES: dict[str, tuple[str, ...]] = {
    name: get_args(hint) for name, hint in _HINTS.items() if get_origin(hint) is Literal
}

# Inclusive (lowest, highest) of each numeric field; for tuple fields, of each entry.
LIMITS: dict[str, tuple[float, float]] = {
    "hidden_size": (1, 4096),
    "num_layers": (1, 16),
    "dropout": (0.0, 0.9),
    "leaky_slope": (0.0, 1.0),
    "hidden_layers": (1, 4096),  # each entry
    "channels": (1, 4096),  # each entry
    "kernel_size": (1, 64),
}

_LENGTHS = {"hidden_layers": (0, 8), "channels": (1, 8)}

_ADVICE = {
    "hidden_size": "choose a positive number of units, e.g. 64",
    "num_layers": "stack one to a few layers, e.g. 2",
    "dropout": "use 0 for none or a small fraction such as 0.1",
    "leaky_slope": "use a small slope such as 0.01",
    "hidden_layers": "give each dense layer a positive width, e.g. (64, 32)",
    "channels": "give each conv block a positive channel count, e.g. (32, 32)",
    "kernel_size": "use a small width such as 3 or 5",
}

_TYPES = {
    bool: ("true or false", lambda v: isinstance(v, bool)),
    int: ("a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    float: ("a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
    str: ("a name", lambda v: isinstance(v, str)),
}


def _check(name: str, value: Any, hint: Any) -> None:
    if get_origin(hint) is Literal:
        if value not in CHOICES[name]:
            raise WorkbenchError(
                f"{name} must be one of {', '.join(CHOICES[name])}, got {value!r}: pick one of those"
            )
    elif get_origin(hint) is tuple:
        is_int = _TYPES[int][1]
        if not isinstance(value, tuple) or not all(is_int(v) for v in value):
            raise WorkbenchError(
                f"{name} must be a tuple of whole numbers, got {value!r}: {_ADVICE[name]}"
            )
        shortest, longest = _LENGTHS[name]
        if not shortest <= len(value) <= longest:
            raise WorkbenchError(
                f"{name} must have between {shortest} and {longest} entries, "
                f"got {len(value)}: {_ADVICE[name]}"
            )
        for entry in value:
            _check_range(name, entry)
    else:
        description, fits = _TYPES[hint]
        if not fits(value):
            fix = f": {_ADVICE[name]}" if name in _ADVICE else ""
            raise WorkbenchError(f"{name} must be {description}, got {value!r}{fix}")
        if name in LIMITS:
            _check_range(name, value)


def _check_range(name: str, value: float) -> None:
    lowest, highest = LIMITS[name]
    if not lowest <= value <= highest:  # also rejects NaN
        raise WorkbenchError(
            f"{name} must be between {lowest} and {highest}, got {value!r}: {_ADVICE[name]}"
        )
