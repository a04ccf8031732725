"""Atomic file writes: temporary files beside the targets, renamed into place only once all are written."""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from engine.errors import WorkbenchError

Writer = Callable[[IO], None]


def write_atomically(path: Path, write: Writer, mode: str = "w") -> Path:
    """Call write(file) on a temporary file and rename it to `path`; on any error `path` is left as it was."""
    return write_all_atomically({Path(path): write}, mode)[0]


def write_all_atomically(writers: Mapping[Path, Writer], mode: str = "w") -> list[Path]:
    """Write a set of files all or nothing: no target changes unless every temporary file was written."""
    temporaries: dict[Path, Path] = {}
    path = None
    try:
        for path, write in writers.items():
            temporaries[Path(path)] = _write_temporary(Path(path), write, mode)
        for path, temporary in temporaries.items():
            os.replace(temporary, path)
    except OSError as error:
        _remove(temporaries.values())
        raise WorkbenchError(f"Could not write {path}: {error.strerror or error}. Choose a folder you can write "
                             "to, or free some disk space, then try again; nothing was changed.") from error
    except BaseException:
        _remove(temporaries.values())
        raise
    return list(temporaries)


def _write_temporary(path: Path, write: Writer, mode: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    # Mode 0o666 lets the umask decide, as open() does; tempfile.mkstemp would leave exports readable by us only.
    handle = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        text = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(handle, mode, **text) as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        name.unlink(missing_ok=True)
        raise
    return name


def _remove(paths) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)
