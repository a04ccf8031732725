"""PatchTST (Nie et al., 2023): each input column cut into patches, read by a Transformer encoder on its own
(channel independence), the columns' encodings then joined by the dense head into one output per horizon."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from models.layers import dense_stack
from models.patchtst_config import PatchTSTConfig


class PatchTST(nn.Module):
    def __init__(self, config: PatchTSTConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        self.patch_len, self.stride = config.patch_len, config.stride
        self.n_patches = config.patches(n_timesteps)
        # Patches end on the last bar: the oldest bars that do not fill a patch are the ones left out.
        self.first_bar = n_timesteps - (self.n_patches - 1) * config.stride - config.patch_len
        self.embed = nn.Linear(config.patch_len, config.d_model)
        self.position = nn.Parameter(torch.zeros(1, self.n_patches, config.d_model))
        nn.init.normal_(self.position, std=0.02)
        self.layers = nn.ModuleList(_EncoderLayer(config) for _ in range(config.encoder_layers))
        self.head = dense_stack(n_features * self.n_patches * config.d_model, n_outputs, config)
        cover = torch.zeros(self.n_patches, n_timesteps)  # patch × the bars it covers
        for n in range(self.n_patches):
            start = self.first_bar + n * config.stride
            cover[n, start:start + config.patch_len] = 1.0
        self.register_buffer("cover", cover, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        h, _ = self._encode(x)  # (B, F, N, D)
        return self.head(h.flatten(1))  # (B, F*N*D) → (B, n_outputs)

    def attention(self, x: Tensor) -> Tensor:
        """(B, T): the attention the last layer pays each bar, averaged over heads, columns and querying patches;
        a bar in several patches gets their mean, bars in none get 0. Each row sums to 1 over the patches' bars."""
        _, weights = self._encode(x)  # (B*F, N, N): query patch × key patch
        per_patch = weights.mean(dim=1).reshape(x.size(0), -1, self.n_patches).mean(dim=1)  # (B, N)
        per_bar = (per_patch @ self.cover) / self.cover.sum(dim=0).clamp(min=1.0)  # (B, T)
        return per_bar / per_bar.sum(dim=1, keepdim=True)

    def _encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        batch, features = x.size(0), x.size(2)
        columns = x[:, self.first_bar:].transpose(1, 2)  # (B, F, T')
        patches = columns.unfold(2, self.patch_len, self.stride)  # (B, F, N, P)
        h = self.embed(patches.reshape(batch * features, self.n_patches, self.patch_len)) + self.position  # (B*F, N, D)
        for layer in self.layers:
            h, weights = layer(h)  # (B*F, N, D), (B*F, N, N)
        return h.reshape(batch, features, self.n_patches, -1), weights  # the last layer's weights


class _EncoderLayer(nn.Module):
    """Pre-norm self-attention and a GELU feed-forward block, each added back; returns the attention weights."""

    def __init__(self, config: PatchTSTConfig):
        super().__init__()
        self.norm_attention = nn.LayerNorm(config.d_model)
        self.attend = nn.MultiheadAttention(config.d_model, config.n_heads, dropout=config.dropout, batch_first=True)
        self.norm_feed = nn.LayerNorm(config.d_model)
        self.feed = nn.Sequential(nn.Linear(config.d_model, 2 * config.d_model), nn.GELU(),
                                  nn.Dropout(config.dropout), nn.Linear(2 * config.d_model, config.d_model))
        self.drop = nn.Dropout(config.dropout)

    def forward(self, h: Tensor) -> tuple[Tensor, Tensor]:
        # h: (B*F, N, D)
        q = self.norm_attention(h)
        attended, weights = self.attend(q, q, q, need_weights=True)  # (B*F, N, D), (B*F, N, N) averaged over heads
        h = h + self.drop(attended)
        return h + self.drop(self.feed(self.norm_feed(h))), weights  # (B*F, N, D)
