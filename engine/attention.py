"""What an attention model looked at: the weight each bar of a window got, per prediction, for the views to draw."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.train import TrainedModel
from engine.windows import Samples

_CHUNK = 4096


@dataclass(frozen=True)
class AttentionMap:
    """One row per window: the weight of each of its bars, oldest first; each row sums to 1."""

    weights: np.ndarray  # (n, window) float64
    input_end: np.ndarray  # (n,) datetime64: the last bar of each window, the bar its prediction is made on
    ticker: np.ndarray  # (n,) str


def has_attention(trained: TrainedModel) -> bool:
    """Whether the architecture shows its attention (attention_lstm, patchtst)."""
    return callable(getattr(trained.model, "attention", None))


@torch.no_grad()
def attention_map(trained: TrainedModel, samples: Samples) -> AttentionMap | None:
    """The attention weights of the model over each window of samples (attention_lstm: its additive weights;
    patchtst: its last layer's, per patch, spread over the bars); None for an architecture without attention."""
    if not has_attention(trained):
        return None
    model = trained.model.eval()
    device = next(model.parameters()).device
    inputs = torch.as_tensor(samples.x, dtype=torch.float32, device=device)  # (n, T, F)
    rows = [model.attention(chunk) for chunk in inputs.split(_CHUNK)] or [inputs.new_zeros(0, inputs.shape[1])]
    weights = torch.cat(rows).cpu().numpy().astype(np.float64)  # (n, T)
    return AttentionMap(weights, samples.input_end, samples.ticker)
