"""The experiment runner: TOML configs, sweeps over both implementations, parity, reports.

Entry point: ``python -m experiments`` (see ``experiments.cli``)."""
from .config import ConfigError, ExperimentConfig, load_config, parse_config
from .parity import ParityResult, gradient_parity, lockstep
from .runner import SweepSummary, run_sweep

__all__ = ["ExperimentConfig", "ConfigError", "load_config", "parse_config", "run_sweep", "SweepSummary",
           "lockstep", "gradient_parity", "ParityResult"]
