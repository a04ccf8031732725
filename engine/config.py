"""What every frozen settings dataclass shares: checks with a message, and a plain-dict round trip."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import ClassVar, Self

from engine.errors import WorkbenchError


def require(checks: Iterable[tuple[bool, str]]) -> None:
    """Raise a WorkbenchError with the message of the first failed check."""
    for ok, message in checks:
        if not ok:
            raise WorkbenchError(message)


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
