"""The config schema (the catalogue of bad input is in ``test_bad_input.py``)."""
import tomllib
import pytest

from experiments.config.catalog import resolve_config_path, shipped_configs
from experiments.config import ConfigError, dump_toml, load_config
from experiments.config.sweep import expand


def test_missing_file():
    with pytest.raises(ConfigError, match="file not found"):
        load_config("/nonexistent/x.toml")


def test_overrides_are_type_checked_and_saved(tiny_config):
    cfg = load_config(tiny_config(), ["train.lr=0.3", "model.hidden=[4, 4]", "train.batch_size=\"full\"",
                                      "data.standardize=false", "sweep.seed=[3]"])
    assert cfg.train.lr == 0.3 and cfg.model.hidden == [4, 4] and cfg.train.batch is None
    assert cfg.sweep_axes["seed"] == [3] and not cfg.data.standardize
    assert "lr = 0.3" in dump_toml(cfg)
    with pytest.raises(ConfigError, match="train.lr: must be > 0, got -1"):
        load_config(tiny_config(), ["train.lr=-1"])
    with pytest.raises(ConfigError, match="train.lr: must be a number, got 'abc'"):
        load_config(tiny_config(), ["train.lr=abc"])
    with pytest.raises(ConfigError, match="--set train.lr: expected KEY.PATH=VALUE"):
        load_config(tiny_config(), ["train.lr"])
    with pytest.raises(ConfigError, match="^--set train.lrr=1: train.lrr: unknown key$"):
        load_config(tiny_config(), ["train.lrr=1"])


def test_resolved_config_round_trips(tmp_path, tiny_config):
    cfg = load_config(tiny_config())
    again = tmp_path / "resolved.toml"
    again.write_text(dump_toml(cfg))
    reloaded = load_config(again)
    assert reloaded.model_dump() == cfg.model_dump() and reloaded.grid_axes == cfg.grid_axes
    assert [(c.id, c.keys) for c in expand(reloaded)] == [(c.id, c.keys) for c in expand(cfg)]


def test_defaults_and_name_from_file(tmp_path):
    path = tmp_path / "my_run.toml"
    path.write_text("")
    cfg = load_config(path)
    assert cfg.name == "my_run" and cfg.train.epochs == 100 and cfg.sweep_axes == {"impl": ["numpy", "torch"]}


def test_sweep_expansion_and_pairs(tiny_config):
    cells = expand(load_config(tiny_config()))
    assert len(cells) == 16 and len({c.id for c in cells}) == 16
    pairs = {}
    for c in cells:
        pairs.setdefault(c.pair, set()).add(c.impl)
    assert len(pairs) == 8 and all(v == {"numpy", "torch"} for v in pairs.values())
    # ids depend on every key that changes the result, and on nothing else
    cfg2 = load_config(tiny_config(), ["description=\"other words\""])
    assert [c.id for c in expand(cfg2)] == [c.id for c in cells]
    cfg3 = load_config(tiny_config(), ["train.weight_decay=0.1"])
    assert not {c.id for c in expand(cfg3)} & {c.id for c in cells}


def test_every_shipped_config_is_valid():
    names = [n for n, _ in shipped_configs()]
    assert "default" in names and "parity" in names
    for name in names:
        if tomllib.loads(resolve_config_path(name).read_text())["data"].get("dataset") == "mnist":
            # valid except for the data, which a clone lacks (test_shipped_configs runs them on IDX files)
            with pytest.raises(ConfigError, match="MNIST folder"):
                load_config(resolve_config_path(name))
            continue
        cfg = load_config(resolve_config_path(name))
        assert expand(cfg)
        assert cfg.description


VARIANTS = """
[train]
lr = 0.05
epochs = 3

[[variants]]
label = "sgd"
train = { optimizer = "sgd" }

[[variants]]
train = { optimizer = "sgd", momentum = 0.9, nesterov = true }

[[variants]]
label = "adam"
train = { optimizer = "adam", lr = 0.01 }

[sweep]
seed = [0, 1]
impl = ["numpy", "torch"]
"""


def test_variants_combine_with_the_sweep(tmp_path):
    path = tmp_path / "v.toml"
    path.write_text(VARIANTS)
    cfg = load_config(path)
    assert cfg.grid_axes == ["variant", "seed", "impl"]
    cells = expand(cfg)
    assert len(cells) == 3 * 2 * 2 and len({c.id for c in cells}) == 12
    labels = [c.keys["variant"] for c in cells[::4]]
    assert labels == ["sgd", "optimizer=sgd, momentum=0.9, nesterov=True", "adam"]
    adam = [c for c in cells if c.keys["variant"] == "adam"][0]
    assert adam.config.train.recipe.optimizer == "adam" and adam.config.train.lr == 0.01
    assert adam.config.train.epochs == 3  # the base table stays underneath
    nesterov = cells[4].config.train.recipe
    assert nesterov.nesterov and nesterov.momentum == 0.9 and nesterov.lr == 0.05
    # the saved config gives the same grid
    again = tmp_path / "again.toml"
    again.write_text(dump_toml(cfg))
    assert [(c.id, c.keys) for c in expand(load_config(again))] == [(c.id, c.keys) for c in cells]


def test_sweeping_n_iter_does_not_clash_with_the_default_epochs(tmp_path):
    path = tmp_path / "n.toml"
    path.write_text("[sweep]\ntrain.n_iter = [10, 20]\n")
    cells = expand(load_config(path))
    assert [c.config.train.n_iter for c in cells] == [10, 20] and cells[0].config.train.epochs is None
