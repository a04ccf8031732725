"""Plain-language help for every model and training setting, shown by the GUI as tooltips.

Each architecture's fields carry their own help (models.config.setting); HELP gathers them with the texts of
the settings that live outside the models, so one lookup by name serves every form.
"""

from models.catalog import ARCHITECTURES

_OTHER_SETTINGS: dict[str, str] = {
    # --- the choice of architecture ---
    "arch": (
        "Which kind of network reads the window. 'linear' is one weighted sum of every input, "
        "the simplest network (every backtest also fits one in closed form as its baseline). 'mlp' flattens the window into dense layers "
        "and ignores the order of time. 'rnn', 'lstm' and 'gru' read the window one step at a "
        "time and carry a memory forward; LSTM and GRU have gates that let them remember longer "
        "than a plain RNN. 'cnn' slides small filters along time to spot local patterns. 'nlinear' "
        "and 'dlinear' are the cheap linear baselines of the LTSF-Linear paper; 'attention_lstm' "
        "weighs the LSTM's states bar by bar and shows the weights; 'cnn_lstm' joins a conv and an "
        "LSTM branch; 'patchtst' is a Transformer over patches of bars. Start simple: if a bigger "
        "model cannot beat 'linear' on unseen data, it is learning noise."
    ),
    # --- training settings (configured elsewhere, explained here) ---
    "l1": (
        "Adds the sum of the absolute weights, times this factor, to the loss. It pushes "
        "unhelpful weights to exactly zero, leaving a sparser model. 0 turns it off. Too large "
        "forces most weights to zero and the model underfits, predicting almost a constant."
    ),
    "l2": (
        "Adds the sum of the squared weights, times this factor, to the loss (weight decay), "
        "keeping weights small and the model smooth. 0 turns it off; 1e-5 to 1e-3 is common. "
        "Too large underfits; too small does little against overfitting."
    ),
    "learning_rate": (
        "Size of each weight update. Too small and training crawls or stalls on a plateau; too "
        "large and the loss jumps around or turns into NaN. 1e-3 is a good start for Adam; lower "
        "it if the loss curve is spiky."
    ),
    "batch_size": (
        "How many windows go into each weight update. Small batches give noisy updates that "
        "often generalise well but make epochs slow; large batches are smoother and faster per "
        "epoch but may need a larger learning rate and can generalise worse. Batch norm needs at "
        "least 2; 16 to 128 is typical."
    ),
    "epochs": (
        "How many full passes over the training data. Too few and the model underfits; too many "
        "and it memorises the training data. Early stopping (patience) guards against that, so "
        "this is mostly an upper limit. In Train & Backtest, warm-started retrains run the warm "
        "epochs instead."
    ),
    "patience": (
        "Early stopping: stop when the validation loss has not improved for this many epochs and "
        "keep the best weights seen. Too small stops on a noisy blip before learning finishes; "
        "too large wastes time and lets overfitting run on. In Train & Backtest the loss is "
        "measured on each fold's early-stopping share, and warm-started retrains keep a patience "
        "of their own."
    ),
    "optimizer": (
        "The rule that turns gradients into weight updates. Adam adapts the step size for each "
        "weight and is a robust default. SGD is plain gradient descent, optionally with "
        "momentum: simpler, sometimes generalises better, but needs a well-tuned learning rate."
    ),
    "momentum": (
        "For SGD: how much of the previous update carries into the next, like a ball rolling "
        "downhill. 0 is plain SGD and can be slow; 0.9 is typical; close to 1 overshoots and "
        "oscillates."
    ),
    "grad_clip": (
        "Caps the size (norm) of the gradient before each update, so one unusual batch cannot "
        "blow up the weights; common with recurrent models. 0 turns it off. Too small slows "
        "learning because every step is cut short; 1.0 is a common choice."
    ),
    "window": (
        "How many past bars each sample shows the model. Too short and it cannot see longer "
        "patterns; too long adds noise, adds weights to MLP and linear models, leaves fewer "
        "training samples, and recurrent models struggle to remember that far back."
    ),
    "horizons": (
        "How many bars ahead to predict, e.g. (1, 5) for the next bar and five bars ahead; the "
        "model has one output per horizon. Further horizons are harder and their errors larger. "
        "A useful model should beat a naive 'no change' forecast at every horizon."
    ),
    "target": (
        "What the model learns to predict: the next close in price units, the simple or log return "
        "to it, or just its direction (up or not, a classification). Returns are the usual choice: "
        "prices trend, so a model predicting raw prices looks good by copying the last close."
    ),
    "features": (
        "The columns each bar of the window shows the model: raw prices and volume, returns, log "
        "volume, the high-low range and rolling volatility. Scale-free features (returns, range) "
        "carry over between periods and tickers; raw prices drift out of the range seen in training."
    ),
    "val_fraction": (
        "The share of bars, after the training bars, held out to choose the best epoch and stop "
        "early; no model trains on them. Too small and that choice is noisy; too large leaves less "
        "to train on. Acts in Train (the fixed split) only: the walk-forward folds of Train & "
        "Backtest hold out their early-stopping share instead."
    ),
    "test_fraction": (
        "The share of the most recent bars kept unseen until the end, to score the model honestly. "
        "Nothing is fitted on them, not even the scalers. Validation and test together may take at "
        "most 80% of the bars. Acts in Train only: Train & Backtest scores every fold on the bars "
        "after its training span."
    ),
    "scaler": (
        "How features and targets are rescaled before training, fitted on the training bars only: "
        "standard (mean 0, std 1) suits most data; minmax squeezes into [0, 1] and is thrown off "
        "by outliers; none leaves them as they are, which slows or destabilises training."
    ),
    "seed": (
        "The starting point of every random choice (initial weights, batch order, dropout). The "
        "same seed gives the same result on the CPU; run several seeds to see how much of a "
        "result is luck."
    ),
    "device": (
        "Where training runs: auto picks a CUDA GPU, then an Apple GPU, then the CPU. Small models "
        "on short windows can be as fast on the CPU; big models and batches gain most from a GPU."
    ),
    "lr_patience": (
        "Epochs without a better validation loss before the learning rate is cut. Smaller cuts "
        "sooner; 0 never cuts. Cutting helps a model settle once big steps stop paying off."
    ),
    "lr_factor": (
        "What the learning rate is multiplied by when it is cut, e.g. 0.5 halves it. Close to 1 "
        "barely changes anything; very small freezes learning after the first cut."
    ),
}

HELP: dict[str, str] = {
    **{name: spec.help for entry in ARCHITECTURES.values() for name, spec in entry.config.settings().items()},
    **_OTHER_SETTINGS,
}
