"""Experiments at scale: Optuna searches and sweeps with an honest hold-out, on local worker processes or Ray.

Import from the modules (this package's __init__ stays empty, so the torch-free ones load without torch):
`experiment.Experiment` (what to search), `study.SearchDriver` (run, cancel, live_trials, trials_frame; the
events), `estimate.estimate_search`, `executors.Execution` (where the jobs run), `outputs.write_search_outputs`.
"""
