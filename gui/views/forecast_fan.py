"""The forecast on the price chart: from the last close, a dashed line through each horizon's predicted price, with
the 95 % and 80 % conformal intervals as bands fanning out over the horizons (engine.forecast computes them all)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gui.theme import Theme
from gui.timestamps import seconds

LEVELS = (95, 80)  # widest first, so the narrower band is drawn over it


class ForecastFan:
    """Items created once on `plot` and refilled by show(); hidden by clear()."""

    def __init__(self, plot: pg.PlotItem):
        self.line = pg.PlotDataItem(connect="finite")
        self.points = pg.PlotDataItem(pen=None, symbol="o", symbolSize=8)
        self._edges = {level: (pg.PlotDataItem(), pg.PlotDataItem()) for level in LEVELS}
        self.bands = {level: pg.FillBetweenItem(*edges) for level, edges in self._edges.items()}
        for level in LEVELS:
            for edge in self._edges[level]:
                plot.addItem(edge)
            plot.addItem(self.bands[level])
        plot.addItem(self.line)
        plot.addItem(self.points)
        for z, item in enumerate((*self.bands.values(), self.line, self.points)):
            item.setZValue(6 + z)
        self.clear()

    @property
    def shown(self) -> bool:
        return self.points.isVisible()

    def apply_theme(self, theme: Theme, colour: str) -> None:
        """Pens and brushes in `colour` (the model's), the bands translucent."""
        self.line.setPen(pg.mkPen(colour, width=1.4, style=Qt.PenStyle.DashLine))
        self.points.setSymbolBrush(pg.mkBrush(colour))
        self.points.setSymbolPen(pg.mkPen(theme.plot_bg, width=1))
        for level, alpha in zip(LEVELS, (0.16, 0.30)):
            fill = pg.mkColor(colour)
            fill.setAlphaF(alpha)
            self.bands[level].setBrush(pg.mkBrush(fill))
            self.bands[level].setPen(pg.mkPen(None))
            for edge in self._edges[level]:
                edge.setPen(pg.mkPen(None))

    def show(self, rows: pd.DataFrame, start: tuple[float, float] | None) -> None:
        """Rows of engine.forecast.FORECAST_COLUMNS by horizon; `start` = (seconds, close) of the last bar, where
        the fan opens. A level whose bounds are unbounded (too few residuals) draws no band."""
        x = seconds(rows["target_date"])
        y = rows["predicted_price"].to_numpy(dtype=np.float64)
        head_x, head_y = (np.array([start[0]]), np.array([start[1]])) if start is not None else (np.empty(0),) * 2
        self.line.setData(np.concatenate([head_x, x]), np.concatenate([head_y, y]))
        self.points.setData(x, y)
        for level in LEVELS:
            lower, upper = (rows[f"{side}_{level}"].to_numpy(dtype=np.float64) for side in ("lower", "upper"))
            bounded = bool(np.isfinite(lower).all() and np.isfinite(upper).all())
            low_edge, high_edge = self._edges[level]
            if bounded:
                low_edge.setData(np.concatenate([head_x, x]), np.concatenate([head_y, lower]))
                high_edge.setData(np.concatenate([head_x, x]), np.concatenate([head_y, upper]))
            else:  # an infinite bound would stretch the price axis without end
                low_edge.setData(np.empty(0), np.empty(0))
                high_edge.setData(np.empty(0), np.empty(0))
            self.bands[level].setVisible(bounded)
        for item in (self.line, self.points):
            item.setVisible(True)

    def clear(self) -> None:
        for item in (self.line, self.points, *self.bands.values()):
            item.setVisible(False)
        for edges in self._edges.values():
            for edge in edges:
                edge.setData(np.empty(0), np.empty(0))

    def legend_items(self) -> list[tuple[object, str]]:
        """(item, name) pairs for the price legend while the fan is shown."""
        if not self.shown:
            return []
        bands = [str(level) for level in sorted(LEVELS) if self.bands[level].isVisible()]
        return [(self.points, "Forecast" + (f" ({'/'.join(bands)} % bands)" if bands else ""))]
