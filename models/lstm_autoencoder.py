"""The LSTM autoencoder: encoder LSTM → latent vector → decoder LSTM → the window rebuilt.

It maps (B, T, F) to (B, T·F), the window flattened, so the forecasting trainer fits it unchanged with the input
window as its own target; windows rebuilt badly are the unusual ones.
"""

from __future__ import annotations

from torch import Tensor, nn

from models.errors import WorkbenchError
from models.lstm_autoencoder_config import LSTMAutoencoderConfig


class LSTMAutoencoder(nn.Module):
    def __init__(self, config: LSTMAutoencoderConfig, n_timesteps: int, n_features: int, n_outputs: int):
        super().__init__()
        if n_outputs != n_timesteps * n_features:
            raise WorkbenchError(f"The autoencoder rebuilds its whole window: it needs {n_timesteps * n_features} "
                                 f"outputs (window × features), got {n_outputs}.")
        dropout = config.dropout if config.num_layers > 1 else 0.0  # torch drops out between layers only
        self.n_timesteps = n_timesteps
        self.encoder = nn.LSTM(n_features, config.hidden_size, config.num_layers, batch_first=True, dropout=dropout)
        self.to_latent = nn.Linear(config.hidden_size, config.latent_size)
        self.decoder = nn.LSTM(config.latent_size, config.hidden_size, config.num_layers, batch_first=True,
                               dropout=dropout)
        self.to_bars = nn.Linear(config.hidden_size, n_features)

    def forward(self, x: Tensor) -> Tensor:
        # x: (B, T, F)
        encoded, _ = self.encoder(x)  # (B, T, H)
        latent = self.to_latent(encoded[:, -1])  # (B, L): all the decoder learns of the window
        repeated = latent.unsqueeze(1).expand(-1, self.n_timesteps, -1)  # (B, T, L)
        decoded, _ = self.decoder(repeated)  # (B, T, H)
        return self.to_bars(decoded).flatten(1)  # (B, T·F)
