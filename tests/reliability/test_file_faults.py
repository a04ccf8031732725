"""Writing the user's files when the disk says no: a folder that is not one, permission denied, the disk full.

Every write goes through engine/files.py (a temporary file in the target folder, renamed into place), so a
failed write is one WorkbenchError naming the path, the previous file is left as it was and no temporary
file is left behind. Damaged and code-carrying model files are in tests/engine/test_checkpoints.py.
"""
import errno
import os
import struct
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.checkpoints import WEIGHTS_FILE, load_model, save_model
from engine.errors import WorkbenchError
from engine.files import write_atomically
from engine.pipeline import run_backtest
from engine.results import export_csv
from engine.train import predict
from models import model_config_for
from models.registry import build_model

EXPORTED = ["equity.csv", "folds.csv", "metrics.csv", "predictions.csv", "run_stats.csv", "trades.csv"]


@pytest.fixture(scope="module")
def result(goog, tiny_run):
    return run_backtest(tiny_run, {"GOOG": goog}).result


@pytest.fixture
def other_result(result):
    """The same tables with different predictions: what a second export would write."""
    return replace(result, predictions=result.predictions.assign(predicted=result.predictions["predicted"] + 1))


def snapshot(folder):
    """Every file in the folder (temporary ones included) with its bytes."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


class FillingDisk:
    """A file whose writes fail with ENOSPC once `room` characters are written, like a disk filling up."""

    def __init__(self, file, room: int):
        self._file, self._room = file, room

    def write(self, data):
        if len(data) > self._room:
            self._file.write(data[:self._room])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._file.write(data)

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return self._file.__exit__(*exc_info)


def fill_disk_while_writing(monkeypatch, name: str, room: int = 1000) -> None:
    """From now on the file written for `name` (through its temporary file) fills the disk after `room` characters."""
    real_open, real_fdopen, temporary = os.open, os.fdopen, {}

    def open_(path, *args, **kwargs):
        handle = real_open(path, *args, **kwargs)
        temporary[handle] = path
        return handle

    def fdopen(handle, *args, **kwargs):
        file = real_fdopen(handle, *args, **kwargs)
        return FillingDisk(file, room) if Path(temporary.get(handle, "")).name.startswith(f".{name}.") else file

    monkeypatch.setattr("engine.files.os.open", open_)
    monkeypatch.setattr("engine.files.os.fdopen", fdopen)


@pytest.fixture
def umask():
    """A umask unlike the usual 0o022, so a hard-coded mode cannot pass by chance."""
    previous = os.umask(0o027)
    yield 0o027
    os.umask(previous)


@pytest.mark.parametrize("mode, content", [("w", "a,b\n"), ("wb", b"\x00\x01")])
def test_written_files_get_the_mode_open_would_give_not_the_private_temporary_one(tmp_path, umask, mode, content):
    path = write_atomically(tmp_path / "out" / "file", lambda file: file.write(content), mode)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_exported_csv_files_get_the_mode_open_would_give(result, tmp_path, umask):
    export_csv(result, tmp_path)
    assert {path.name: path.stat().st_mode & 0o777 for path in tmp_path.iterdir()} == dict.fromkeys(
        EXPORTED, 0o666 & ~umask)


def test_exporting_into_a_path_that_is_a_file_names_the_path_and_changes_nothing(result, tmp_path):
    not_a_folder = tmp_path / "report.txt"
    not_a_folder.write_text("my notes")

    with pytest.raises(WorkbenchError) as error:
        export_csv(result, not_a_folder / "run-1")

    assert str(error.value) == (f"Could not write {not_a_folder / 'run-1' / 'predictions.csv'}: Not a directory. "
                                "Choose a folder you can write to, or free some disk space, then try again; "
                                "nothing was changed.")
    assert not_a_folder.read_text() == "my notes" and snapshot(tmp_path) == {"report.txt": b"my notes"}


def test_permission_denied_keeps_the_previous_export_and_leaves_no_temporary_file(result, other_result, tmp_path,
                                                                                   monkeypatch):
    export_csv(result, tmp_path)
    before = snapshot(tmp_path)

    def denied(source, target):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))

    monkeypatch.setattr("engine.files.os.replace", denied)
    with pytest.raises(WorkbenchError, match=rf"^Could not write {tmp_path / 'predictions.csv'}: Permission denied\."):
        export_csv(other_result, tmp_path)

    assert snapshot(tmp_path) == before and sorted(before) == EXPORTED


def test_a_full_disk_keeps_the_previous_export_and_leaves_no_temporary_file(result, other_result, tmp_path,
                                                                            monkeypatch):
    export_csv(result, tmp_path)
    before = snapshot(tmp_path)
    fill_disk_while_writing(monkeypatch, "predictions.csv")

    with pytest.raises(WorkbenchError) as error:
        export_csv(other_result, tmp_path)

    assert str(error.value).startswith(f"Could not write {tmp_path / 'predictions.csv'}: No space left on device. ")
    assert "free some disk space" in str(error.value)
    assert snapshot(tmp_path) == before


def test_a_full_disk_on_a_single_file_keeps_its_previous_content(tmp_path):
    path = tmp_path / "seeds_summary.csv"
    path.write_text("model,runs\nlstm,3\n")

    def write(file):
        file.write("model,runs\n")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(WorkbenchError, match="No space left on device"):
        write_atomically(path, write)

    assert snapshot(tmp_path) == {"seeds_summary.csv": b"model,runs\nlstm,3\n"}


def test_a_full_disk_midway_through_an_export_leaves_the_previous_export_whole(result, other_result, tmp_path,
                                                                               monkeypatch):
    export_csv(result, tmp_path)
    before = snapshot(tmp_path)
    fill_disk_while_writing(monkeypatch, "equity.csv")

    with pytest.raises(WorkbenchError, match="No space left on device"):
        export_csv(other_result, tmp_path)

    assert sorted(snapshot(tmp_path)) == EXPORTED  # no temporary file is left (this part holds today)
    assert snapshot(tmp_path) == before


@pytest.fixture
def saved_model(tmp_path):
    torch.manual_seed(0)
    config = model_config_for("gru", hidden_size=8, num_layers=1)
    model = build_model(config, 10, 3, 2)
    directory = save_model(tmp_path / "model", model, config, input_shape=(10, 3), n_outputs=2,
                           classification=False)
    return directory, model


X = np.random.default_rng(0).normal(size=(5, 10, 3)).astype(np.float32)


def test_a_full_disk_while_saving_a_model_keeps_the_model_saved_before(saved_model, monkeypatch):
    directory, model = saved_model
    before = snapshot(directory)

    def full_disk(descriptor):  # buffered bytes reach the disk at fsync, and it is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    retrained = build_model(model_config_for("gru", hidden_size=8, num_layers=1), 10, 3, 2)
    with pytest.raises(WorkbenchError, match=rf"Could not write {directory / WEIGHTS_FILE}: No space left on device"):
        save_model(directory, retrained, model_config_for("gru", hidden_size=8, num_layers=1), input_shape=(10, 3),
                   n_outputs=2, classification=False)

    assert snapshot(directory) == before
    np.testing.assert_array_equal(predict(load_model(directory).model, X), predict(model, X))


def test_saving_a_model_where_a_file_stands_names_the_path(saved_model, tmp_path):
    _, model = saved_model
    (tmp_path / "models").write_text("a file, not a folder")
    with pytest.raises(WorkbenchError, match=r"Could not write .*models/gru/model\.pt: Not a directory"):
        save_model(tmp_path / "models" / "gru", model, model_config_for("gru", hidden_size=8, num_layers=1),
                   input_shape=(10, 3), n_outputs=2, classification=False)


@pytest.mark.parametrize("damage", ["empty", "truncated"])
def test_an_empty_or_truncated_model_file_is_reported(saved_model, damage):
    directory, _ = saved_model
    weights = directory / WEIGHTS_FILE
    data = weights.read_bytes()
    weights.write_bytes(b"" if damage == "empty" else data[:len(data) // 2])
    with pytest.raises(WorkbenchError, match="model.pt is damaged.*[Ss]ave or train the model again"):
        load_model(directory)


def test_a_model_file_with_a_changed_weight_byte_is_reported(saved_model):
    directory, _ = saved_model
    weights = directory / WEIGHTS_FILE
    with zipfile.ZipFile(weights) as archive:
        record = next(info for info in archive.infolist() if "/data/" in info.filename)
    data = bytearray(weights.read_bytes())
    name_length, extra_length = struct.unpack_from("<HH", data, record.header_offset + 26)  # the local header's
    first_byte = record.header_offset + 30 + name_length + extra_length
    data[first_byte + 4] ^= 0x55  # inside the first float of the first weight tensor
    weights.write_bytes(bytes(data))
    with pytest.raises(WorkbenchError, match="damaged"):
        load_model(directory)
