"""Plain-language help for every model and training setting, shown by the GUI as tooltips."""

# The architectures, simplest first, each with one plain line for its card; models.registry maps
# each name to its class. Nothing here imports torch, so forms and --help can list them at once.
ARCHITECTURES: dict[str, str] = {
    "linear": "One weighted sum of the whole window, trained like the other networks.",
    "mlp": "Dense layers on the flattened window; ignores the order of time.",
    "rnn": "Reads the window bar by bar with a simple memory that fades quickly.",
    "lstm": "Reads bar by bar with a gated memory that keeps information longest.",
    "gru": "Gated memory like the LSTM's, with fewer weights to learn.",
    "cnn": "Small causal filters slide along time to spot local patterns (TCN-style).",
}

HELP: dict[str, str] = {
    # --- ModelConfig ---
    "arch": (
        "Which kind of network reads the window. 'linear' is one weighted sum of every input, "
        "the simplest network (every backtest also fits one in closed form as its baseline). 'mlp' flattens the window into dense layers "
        "and ignores the order of time. 'rnn', 'lstm' and 'gru' read the window one step at a "
        "time and carry a memory forward; LSTM and GRU have gates that let them remember longer "
        "than a plain RNN. 'cnn' slides small filters along time to spot local patterns. Start "
        "simple: if a bigger model cannot beat 'linear' on unseen data, it is learning noise."
    ),
    "hidden_size": (
        "Number of memory units in each recurrent layer (RNN, LSTM, GRU). More units can hold "
        "more about the past and model richer patterns, but train slower and overfit small data "
        "sets more easily. Too few and the model cannot remember enough to be useful. 32 to 128 "
        "is typical for daily bars."
    ),
    "num_layers": (
        "How many recurrent layers are stacked, each reading the sequence the one below "
        "produces (RNN, LSTM, GRU). One or two is usually enough. Deeper stacks can combine "
        "patterns into higher-level ones, but need more data, train slower and can become "
        "unstable; a single layer may miss patterns built out of other patterns."
    ),
    "bidirectional": (
        "Also read the window from newest to oldest and combine both readings (RNN, LSTM, GRU). "
        "It only uses bars inside the window, so it does not peek at the future, but it doubles "
        "the recurrent cost and often helps little for forecasting. Leave it off unless you want "
        "to compare."
    ),
    "dropout": (
        "Fraction of units switched off at random at each training step, between layers and in "
        "the dense head, so the network cannot lean on any single unit. It is turned off when "
        "predicting. 0 means none; 0.1 to 0.3 is common. Too low lets a large model memorise "
        "the training data; too high (above about 0.5) makes learning slow and noisy and the "
        "model underfits."
    ),
    "hidden_layers": (
        "Widths of the dense (fully connected) layers: the whole body of the MLP, and the head "
        "that turns RNN or CNN features into the prediction. (64, 32) means a layer of 64 units "
        "then one of 32; an empty list goes straight to the output. Wider or more layers add "
        "capacity and the risk of overfitting; too small limits what the model can combine."
    ),
    "activation": (
        "The non-linear function after each dense or conv layer; without one, stacked layers "
        "collapse into a single linear map. 'relu' is a fast default. 'leaky_relu' keeps a small "
        "slope for negative inputs so units cannot switch off for good. 'elu' and 'selu' are "
        "smooth variants ('selu' pairs with 'lecun' init). 'tanh' and 'sigmoid' squash values "
        "into a small range and can make deep stacks learn slowly (vanishing gradients)."
    ),
    "leaky_slope": (
        "Slope that 'leaky_relu' uses for negative inputs; other activations ignore it. 0 makes "
        "it a plain ReLU, whose units can stop learning if they only ever see negative inputs. "
        "Near 1 it is almost linear, so the layer adds little. 0.01 to 0.2 is typical."
    ),
    "init": (
        "How the weights are set before training starts. 'xavier' (Glorot) suits tanh and "
        "sigmoid, 'he' (Kaiming) suits ReLU-like activations, 'lecun' suits SELU, and 'default' "
        "keeps PyTorch's own choice. A poor start makes signals shrink or blow up as they pass "
        "through the layers, so training stalls or diverges; for shallow models the difference "
        "is small."
    ),
    "norm": (
        "Rescales values inside the dense and conv layers to a steady range, which often makes "
        "training faster and more stable. 'batch' normalises across the samples of a batch: "
        "training needs batches of 2 or more (prediction works on single samples). 'layer' "
        "normalises within each sample and works with any batch size. 'none' is simplest and "
        "fine for small models."
    ),
    "channels": (
        "Number of filters in each convolution block (CNN); one block per entry, so (32, 32) is "
        "two blocks. More filters detect more kinds of pattern, and more blocks see further back "
        "in time. Too many overfit and slow training; too few miss patterns."
    ),
    "kernel_size": (
        "How many consecutive time steps each convolution filter spans (CNN). Larger kernels "
        "see longer patterns per block but add weights; 1 looks at single steps and cannot find "
        "patterns across time on its own. 3 or 5 is typical."
    ),
    "dilated": (
        "Space each block's filter taps further apart: 1, 2, 4, 8 ... steps, as in a TCN (CNN). "
        "A few blocks then cover a long window cheaply. Turned off, every block looks at "
        "neighbouring steps only, so the model sees just the last few bars unless you add many "
        "blocks."
    ),
    "pooling": (
        "How the CNN summarises its features over time before the dense head. 'none' uses the "
        "last time step, which has seen as far back as the blocks reach; 'max' keeps the "
        "strongest response anywhere in the window; 'avg' averages over the window. Pooling "
        "helps when a pattern matters but its exact timing inside the window does not."
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
