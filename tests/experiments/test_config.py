"""The config schema: a catalogue of bad configs, each with the message it must produce."""
import pytest

from experiments.catalog import resolve_config_path, shipped_configs
from experiments.config import ConfigError, dump_toml, load_config
from experiments.sweep import expand

BAD = [
    ("[train]\nlr = -0.1", "train.lr: must be > 0, got -0.1"),
    ("[train]\nlr = 0", "train.lr: must be > 0, got 0"),
    ("[train]\nlr = \"fast\"", "train.lr: must be a number, got 'fast'"),
    ("[trian]\nlr = 0.1", "trian: unknown key"),
    ("[train]\nlearning_rate = 0.1", "train.learning_rate: unknown key"),
    ("[train]\nbatch_size = 0", 'train.batch_size: must be a positive int or "full", got 0'),
    ("[train]\nbatch_size = \"half\"", 'train.batch_size: must be a positive int or "full", got \'half\''),
    ("[train]\nepochs = 0", "train.epochs: must be >= 1, got 0"),
    ("[train]\nepochs = 5\nn_iter = 5", "train: give epochs or n_iter, not both"),
    ("[train]\nweight_decay = -1e-3", "train.weight_decay: must be >= 0, got -0.001"),
    ("[train]\ndtype = \"float16\"", "train.dtype: must be one of 'float32' or 'float64', got 'float16'"),
    ("[train]\nsampling = \"bootstrap\"", "train.sampling: must be one of"),
    ("[model]\nactivation = \"gelu\"", "model.activation: must be one of 'relu', 'leaky_relu', 'sigmoid', 'tanh' or 'identity', got 'gelu'"),
    ("[model]\nhidden = [5, 0]", "model.hidden: must be a positive int or a list of positive ints, got [5, 0]"),
    ("[model]\ninit = \"xavier\"", "model.init: must be one of"),
    ("[model]\nloss = \"hinge\"", "model.loss: must be one of"),
    ("[data]\ndataset = \"imagenet\"", "data.dataset: must be one of"),
    ("[data]\ndataset = \"gmm\"\nparams = { Q = 3 }", "data.params: dataset 'gmm' has no parameter 'Q' (allowed: K, C, N)"),
    ("[data]\ntest_size = 1.5", "data.test_size: must be < 1, got 1.5"),
    ("[data]\nseed = -1", "data.seed: must be >= 0, got -1"),
    ("impl = \"jax\"", "impl: must be one of 'numpy' or 'torch', got 'jax'"),
    ("name = \"has space\"", "name: must be a plain name"),
    ("name = \"..\"", "name: must be a plain name (letters, digits, _ . -, not starting with '.'), got '..'"),
    ("name = \".\"", "name: must be a plain name"),
    ("name = \"a/b\"", "name: must be a plain name"),
    ("name = \"/tmp/x\"", "name: must be a plain name"),
    ("[sweep]\ntrain.lr = []", "sweep.train.lr: must not be empty"),
    ("[sweep]\ntrain.lr = 0.1", "sweep.train.lr: must be a list of values, got 0.1"),
    ("[sweep]\ntrain.lr = [0.1, -0.1]", "sweep.train.lr[1] -> train.lr: must be > 0, got -0.1"),
    ("[sweep]\ntrain.lrate = [0.1]", "sweep.train.lrate[0] -> train.lrate: unknown key"),
    ("[sweep]\nimpl = [\"numpy\", \"numpy\"]", "sweep.impl: has duplicate values"),
    ("[sweep]\noutput.dir = [\"a\", \"b\"]", "sweep.output.dir: cannot sweep over output"),
    ("[output]\nplot_resolution = 5", "output.plot_resolution: must be >= 20, got 5"),
    ("this is not toml", "not valid TOML"),
]


@pytest.mark.parametrize("text, message", BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_bad_config_messages(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text + "\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value), str(err.value)


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
    with pytest.raises(ConfigError, match="expected key.path=value"):
        load_config(tiny_config(), ["train.lr"])
    with pytest.raises(ConfigError, match="train.lrr: unknown key"):
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
        cfg = load_config(resolve_config_path(name))
        assert expand(cfg)
        assert cfg.description
