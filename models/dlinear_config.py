"""DLinearConfig: the moving-average kernel of DLinear's trend/seasonal split (LTSF-Linear, Zeng et al., 2023)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from models.config import ModelConfig, setting
from models.errors import WorkbenchError


@dataclass(frozen=True)
class DLinearConfig(ModelConfig):
    arch: ClassVar[str] = "dlinear"
    title: ClassVar[str] = "DLinear"
    summary: ClassVar[str] = "A moving-average trend and the rest, one weighted sum each (LTSF)."
    network: ClassVar[str] = "models.dlinear:DLinear"

    moving_average: int = setting(
        7, label="Moving-average kernel", limits=(1, 512), advice="use an odd width such as 7 or 25", help=(
            "How many bars the moving average spans that splits each input column into a smooth trend and "
            "the seasonal rest (DLinear); each part then has its own linear layer. Wider kernels give a "
            "smoother trend and leave more in the seasonal part; 1 makes the trend the series itself. It "
            "must fit inside the window; the paper uses 25 bars on windows of 336."
        ))

    def check_window(self, window: int) -> None:
        if self.moving_average > window:
            raise WorkbenchError(
                f"dlinear: the moving-average kernel ({self.moving_average} bars) is wider than the window "
                f"({window} bars): use a kernel of at most {window} bars or a window of at least "
                f"{self.moving_average} bars.")
