"""PatchTSTConfig: patches of each input column through a Transformer encoder, before the shared dense head."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.config import DenseConfig, setting
from models.errors import WorkbenchError


@dataclass(frozen=True)
class PatchTSTConfig(DenseConfig):
    arch: ClassVar[str] = "patchtst"
    title: ClassVar[str] = "PatchTST"
    summary: ClassVar[str] = "A Transformer reads each column as patches of bars, attending across patches."
    network: ClassVar[str] = "models.patchtst:PatchTST"

    patch_len: int = setting(
        8, label="Patch length", limits=(1, 512), advice="use a few bars, e.g. 8, and at most the window", help=(
            "How many consecutive bars form one patch, the 'word' the Transformer reads (PatchTST). Longer "
            "patches carry more local shape each and leave fewer patches to attend over; a patch of 1 bar "
            "makes it a plain per-bar Transformer, slow and data-hungry. It must fit inside the window; the "
            "paper uses 16 bars on windows of 336."
        ))
    stride: int = setting(
        4, limits=(1, 512), advice="use at most the patch length, e.g. half of it", help=(
            "How many bars each patch starts after the one before (PatchTST). A stride below the patch "
            "length makes patches overlap, so no pattern falls between two; equal to it tiles the window. "
            "Patches end on the window's last bar, so the newest bars are always read; bars older than the "
            "first full patch are left out."
        ))
    d_model: int = setting(
        32, label="Model width", limits=(1, 1024), advice="use a multiple of the heads, e.g. 32", help=(
            "Width of the vector each patch becomes inside the Transformer (PatchTST). Wider vectors can "
            "hold richer patterns but add weights quadratically and overfit small data sets; it must be a "
            "multiple of the number of heads. 16 to 128 suits daily bars."
        ))
    n_heads: int = setting(
        4, label="Attention heads", limits=(1, 64), advice="choose a divisor of the model width, e.g. 4", help=(
            "How many attention heads each encoder layer splits the model width into (PatchTST); each head "
            "can attend to different patches. More heads with the same width give each one a narrower view. "
            "The model width must divide evenly among them."
        ))
    encoder_layers: int = setting(
        2, label="Encoder layers", limits=(1, 12), advice="stack one to a few layers, e.g. 2", help=(
            "How many Transformer encoder layers (attention then a feed-forward block) are stacked "
            "(PatchTST). One or two is plenty for a few patches of daily bars; more layers need much more "
            "data and train slower. The heatmap shows the last layer's attention."
        ))

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.d_model % self.n_heads:
            raise WorkbenchError(
                f"{self.n_heads} attention heads do not divide the model width {self.d_model}: choose "
                f"a width that is a multiple of the heads (e.g. {self.n_heads * max(1, self.d_model // self.n_heads)}) "
                "or a number of heads that divides it.")

    def check_window(self, window: int) -> None:
        if self.patch_len > window:
            raise WorkbenchError(
                f"patchtst: the patch ({self.patch_len} bars) is longer than the window ({window} bars): use a "
                f"patch of at most {window} bars or a window of at least {self.patch_len} bars.")

    def patches(self, window: int) -> int:
        """How many patches a window of `window` bars is cut into."""
        return (window - self.patch_len) // self.stride + 1
