"""Choosing the compute device: CUDA, then Apple MPS, then CPU, unless the user says otherwise."""
from __future__ import annotations

import torch

from engine.errors import WorkbenchError
from engine.fit_config import DeviceChoice


def resolve_device(choice: DeviceChoice = "auto") -> torch.device:
    """The torch device for a choice; an explicit choice that is not available is an error."""
    available = {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available(), "cpu": True}
    if choice == "auto":
        return torch.device(next(name for name in ("cuda", "mps", "cpu") if available[name]))
    if choice not in available:
        raise WorkbenchError(f"Unknown device {choice!r}: choose auto, cuda, mps or cpu.")
    if not available[choice]:
        raise WorkbenchError(f"{choice.upper()} was requested but is not available on this machine: "
                             "choose device 'auto' or 'cpu'.")
    return torch.device(choice)


def describe_device(device: torch.device) -> str:
    """A short human name for the status bar: the GPU's name, or the CPU thread count."""
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA)"
    if device.type == "mps":
        return "Apple GPU (MPS)"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads != 1 else ''})"
