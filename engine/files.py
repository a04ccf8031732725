"""Atomic file writes: a temporary file in the target folder, renamed into place."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from engine.errors import WorkbenchError


@contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO]:
    """Yield a file to write; on success it replaces `path` whole, on any error `path` is left as it was."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _write_error(path, error) from error
    try:
        with os.fdopen(handle, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except OSError as error:
        Path(temp_name).unlink(missing_ok=True)
        raise _write_error(path, error) from error
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, write: Callable[[IO], None], mode: str = "w") -> Path:
    """Call write(file) inside atomic_writer and return the path."""
    with atomic_writer(path, mode) as file:
        write(file)
    return Path(path)


def _write_error(path: Path, error: OSError) -> WorkbenchError:
    reason = error.strerror or str(error)
    return WorkbenchError(f"Could not write {path}: {reason}. Choose a folder you can write to, "
                          "or free some disk space, then try again; nothing was changed.")
