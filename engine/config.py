"""What every frozen settings dataclass shares: checks with a message, and a plain-dict round trip."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from typing import ClassVar, Self, TypeVar

from engine.errors import WorkbenchError


def require(checks: Iterable[tuple[bool, str]]) -> None:
    """Raise a WorkbenchError with the message of the first failed check."""
    for ok, message in checks:
        if not ok:
            raise WorkbenchError(message)


Config = TypeVar("Config")


def config_from_json(text: str, from_dict: Callable[[Mapping], Config], damaged: str) -> Config:
    """from_dict(the parsed text); JSON that does not parse or lacks a part: a WorkbenchError, `damaged` with {error}."""
    try:
        return from_dict(json.loads(text))
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise WorkbenchError(damaged.format(error=error)) from error


class DictConfig:
    """Mixin for frozen dataclasses: to_dict() gives JSON-ready values; from_dict() refuses unknown keys."""

    section: ClassVar[str] = "settings"  # how the user calls this group, for messages

    def to_dict(self) -> dict:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping) -> Self:
        known = {f.name for f in fields(cls)}
        if unknown := set(data) - known:
            raise WorkbenchError(f"Unknown {cls.section} {sorted(unknown)}: known ones are {sorted(known)}.")
        return cls(**data)
