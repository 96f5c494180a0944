"""The experiment runner: TOML configs, sweeps over both implementations, parity, reports.

Entry point: ``python -m experiments`` (see ``experiments.cli``). Public names are imported
on first use (PEP 562), so the CLI starts without loading torch or scikit-learn.
"""
from data_utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".config.load": ("ExperimentConfig", "ConfigError", "load_config", "parse_config"),
    ".errors": ("UserInputError",),
    ".runner": ("run_sweep", "SweepSummary"),
    ".parity.lockstep": ("lockstep", "ParityResult"),
    ".parity.gradients": ("gradient_parity",),
})
