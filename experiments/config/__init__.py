"""The experiment config: schema (``schema``), loading, overrides and validation (``load``),
dotted key paths (``keys``), the sweep's cells (``sweep``), shipped configs (``catalog``), and
the vocabularies a config names (``columns``, ``baselines``). The bottom of the house above
``implementations``: it imports nothing else of ``experiments`` but ``errors``."""
from .load import (ConfigError, ExperimentConfig, IMPLEMENTATIONS, TrainSpec, apply_overrides, dump_toml, flatten,
                   load_config, override_source, parse_config, set_path)

__all__ = ["ExperimentConfig", "TrainSpec", "ConfigError", "load_config", "parse_config", "apply_overrides",
           "flatten", "set_path", "dump_toml", "IMPLEMENTATIONS", "override_source"]
