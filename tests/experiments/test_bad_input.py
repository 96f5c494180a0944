"""The catalogue of bad input: every case exits 2, names its source (the file, the option or
``--set KEY=VALUE``) and the key, shows no traceback and writes nothing."""
import os
import socket

import numpy as np
import pytest

from data_utils import write_idx

from experiments import runner
from experiments.cli import main

RUN = ["run", "{cfg}", "--out", "{out}", "--quiet"]
PARITY = ["parity", "{cfg}", "--out", "{out}"]


def case(id, toml, expected, argv=RUN, extra=()):
    """``toml`` goes into ``{cfg}``; ``expected`` must appear in stderr (after formatting)."""
    return pytest.param(toml, [*argv, *extra], expected, id=id)


MOONS = '[data]\ndataset = "moons"\n'
MNIST = '[data]\ndataset = "mnist"\n'
NOISY = '[data]\ndataset = "noisy_1d"\n'

CATALOGUE = [
    # the schema
    case("lr-negative", "[train]\nlr = -0.1", "{cfg}: train.lr: must be > 0, got -0.1"),
    case("lr-zero", "[train]\nlr = 0", "{cfg}: train.lr: must be > 0, got 0"),
    case("lr-string", '[train]\nlr = "fast"', "{cfg}: train.lr: must be a number, got 'fast'"),
    case("lr-inf", "[train]\nlr = inf", "{cfg}: train.lr: must be a finite number, got inf"),
    case("lr-nan", "[train]\nlr = nan", "{cfg}: train.lr: must be a finite number, got nan"),
    case("weight-decay-inf", "[train]\nweight_decay = inf", "{cfg}: train.weight_decay: must be a finite number, got inf"),
    case("weight-decay-negative", "[train]\nweight_decay = -1e-3", "{cfg}: train.weight_decay: must be >= 0, got -0.001"),
    case("unknown-table", "[trian]\nlr = 0.1", "{cfg}: trian: unknown key"),
    case("unknown-key", "[train]\nlearning_rate = 0.1", "{cfg}: train.learning_rate: unknown key"),
    case("batch-zero", "[train]\nbatch_size = 0", '{cfg}: train.batch_size: must be a positive int or "full", got 0'),
    case("batch-string", '[train]\nbatch_size = "half"', "{cfg}: train.batch_size: must be a positive int or \"full\", got 'half'"),
    case("epochs-zero", "[train]\nepochs = 0", "{cfg}: train.epochs: must be >= 1, got 0"),
    case("epochs-and-n-iter", "[train]\nepochs = 5\nn_iter = 5", "{cfg}: train: give epochs or n_iter, not both"),
    case("dtype", '[train]\ndtype = "float16"', "{cfg}: train.dtype: must be one of 'float32' or 'float64', got 'float16'"),
    case("sampling", '[train]\nsampling = "bootstrap"', "{cfg}: train.sampling: must be one of 'epoch' or 'replacement', got 'bootstrap'"),
    case("activation", '[model]\nactivation = "gelu"', "{cfg}: model.activation: must be one of 'relu', 'leaky_relu', 'sigmoid', 'tanh' or 'identity', got 'gelu'"),
    case("hidden-zero", "[model]\nhidden = [5, 0]", "{cfg}: model.hidden: must be a positive int or a list of positive ints, got [5, 0]"),
    case("hidden-string", '[model]\nhidden = "wide"', "{cfg}: model.hidden: must be a list, got 'wide'"),
    case("init", '[model]\ninit = "xavier"', "{cfg}: model.init: must be one of"),
    case("loss-unknown", '[model]\nloss = "hinge"', "{cfg}: model.loss: must be one of 'auto', 'cross_entropy' or 'mse', got 'hinge'"),
    case("negative-slope-inf", "[model]\nnegative_slope = inf", "{cfg}: model.negative_slope: must be a finite number, got inf"),
    case("dataset-unknown", '[data]\ndataset = "imagenet"', "{cfg}: data.dataset: must be one of"),
    case("test-size-above-1", "[data]\ntest_size = 1.5", "{cfg}: data.test_size: must be < 1, got 1.5"),
    case("test-size-zero", "[data]\ntest_size = 0", "{cfg}: data.test_size: must be > 0, got 0"),
    case("data-seed", "[data]\nseed = -1", "{cfg}: data.seed: must be >= 0, got -1"),
    case("standardize-string", '[data]\nstandardize = "yes"', "{cfg}: data.standardize: must be true or false, got 'yes'"),
    case("impl", 'impl = "jax"', "{cfg}: impl: must be one of 'numpy', 'torch' or 'cpp', or a plug-in network package.module:Class, got 'jax'"),
    case("impl-plugin-missing", 'impl = "no_such_module:Net"', "{cfg}: impl: no_such_module:Net: cannot import no_such_module: ModuleNotFoundError"),
    case("name-space", 'name = "has space"', "{cfg}: name: must be a plain name"),
    case("name-dotdot", 'name = ".."', "{cfg}: name: must be a plain name (letters, digits, _ . -, not starting with '.'), got '..'"),
    case("name-dot", 'name = "."', "{cfg}: name: must be a plain name"),
    case("name-slash", 'name = "a/b"', "{cfg}: name: must be a plain name"),
    case("name-absolute", 'name = "/tmp/x"', "{cfg}: name: must be a plain name"),
    case("plot-resolution", "[output]\nplot_resolution = 5", "{cfg}: output.plot_resolution: must be >= 20, got 5"),
    case("plot-resolution-string", '[output]\nplot_resolution = "high"', "{cfg}: output.plot_resolution: must be an integer, got 'high'"),
    case("columns-unknown", '[output]\ncolumns = ["prec"]', "{cfg}: output.columns[0]: must be one of 'precision', "),
    case("columns-twice", '[output]\ncolumns = ["ap", "ap"]', "{cfg}: output.columns: lists 'ap' twice"),
    case("columns-task", NOISY + '[output]\ncolumns = ["precision"]',
         "{cfg}: output.columns: 'precision' is a classification column; it does not fit the regression dataset 'noisy_1d'"),
    case("reload-check-string", '[output]\nreload_check = "yes"', "{cfg}: output.reload_check: must be true or false, got 'yes'"),
    case("standardize-target-classification", '[data]\nstandardize_target = true',
         "{cfg}: data.standardize_target: applies to regression targets; the dataset 'gauss' is classification"),
    case("not-toml", "this is not toml", "{cfg}: not valid TOML"),
    # the training recipe
    case("optimizer-unknown", '[train]\noptimizer = "adagrad"', "{cfg}: train.optimizer: must be one of 'sgd', 'rmsprop', 'adam', got 'adagrad'"),
    case("nesterov-without-momentum", "[train]\nnesterov = true", "{cfg}: train.nesterov: needs momentum > 0, got momentum = 0"),
    case("momentum-on-adam", '[train]\noptimizer = "adam"\nmomentum = 0.9',
         "{cfg}: train.momentum: does not apply to optimizer 'adam' (only to 'sgd', 'rmsprop')"),
    case("momentum-one", "[train]\nmomentum = 1.0", "{cfg}: train.momentum: must be < 1, got 1.0"),
    case("betas-outside", '[train]\noptimizer = "adam"\nbetas = [0.9, 1.0]', "{cfg}: train.betas: must be < 1, got 1.0"),
    case("betas-one-value", '[train]\noptimizer = "adam"\nbetas = [0.9]', "{cfg}: train.betas: must be a pair [beta1, beta2], got [0.9]"),
    case("betas-on-sgd", "[train]\nbetas = [0.9, 0.99]", "{cfg}: train.betas: does not apply to optimizer 'sgd' (only to 'adam')"),
    case("alpha-on-adam", '[train]\noptimizer = "adam"\nalpha = 0.9', "{cfg}: train.alpha: does not apply to optimizer 'adam'"),
    case("eps-zero", '[train]\noptimizer = "rmsprop"\neps = 0', "{cfg}: train.eps: must be > 0, got 0"),
    case("lr-schedule-unknown", '[train]\nlr_schedule = "linear"', "{cfg}: train.lr_schedule: must be one of"),
    case("gamma-zero", '[train]\nlr_schedule = "exponential"\ngamma = 0', "{cfg}: train.gamma: must be > 0, got 0"),
    case("gamma-missing", '[train]\nlr_schedule = "exponential"', "{cfg}: train.gamma: is required by lr_schedule 'exponential'"),
    case("step-size-on-constant", "[train]\nstep_size = 3",
         "{cfg}: train.step_size: does not apply to lr_schedule 'constant' (only to 'step')"),
    case("step-size-missing", '[train]\nlr_schedule = "step"', "{cfg}: train.step_size: is required by lr_schedule 'step'"),
    case("patience-zero", "[train]\nearly_stopping = true\npatience = 0", "{cfg}: train.patience: must be an integer >= 1, got 0"),
    case("validation-fraction-one", "[train]\nvalidation_fraction = 1.0", "{cfg}: train.validation_fraction: must be < 1, got 1.0"),
    case("set-recipe", "", '--set train.momentum=0.9: train.momentum: does not apply to optimizer \'adam\'',
         extra=["--set", "train.momentum=0.9", "--set", 'train.optimizer="adam"']),
    case("sweep-optimizer-with-momentum", '[train]\nmomentum = 0.9\n[sweep]\ntrain.optimizer = ["sgd", "adam"]',
         "{cfg}: sweep.train.optimizer[1] -> train.momentum: does not apply to optimizer 'adam'"),
    # variants
    case("variant-unknown-section", '[[variants]]\nlabel = "x"\noutput = { dir = "a" }', "{cfg}: variants: 'output' cannot vary (variants[0]; a variant may set label, seed, impl, data, model, train)"),
    case("variant-duplicate-label", '[[variants]]\nlabel = "a"\n[[variants]]\nlabel = "a"', "two variants are labelled 'a'"),
    case("variant-bad-value", '[[variants]]\ntrain = { lr = -1 }', "{cfg}: variants: the combination variant='lr=-1', impl='numpy' -> train.lr: must be > 0, got -1"),
    case("variant-clashes-with-sweep", '[[variants]]\nlabel = "adam"\ntrain = { optimizer = "adam" }\n[sweep]\ntrain.momentum = [0.0, 0.9]',
         "{cfg}: variants: the combination variant='adam', train.momentum=0.0 -> train.momentum: does not apply to optimizer 'adam'"),
    case("sweep-over-variants", '[sweep]\nvariants = [1, 2]', "{cfg}: sweep.variants: cannot sweep over variants"),
    # the sweep
    case("sweep-empty", "[sweep]\ntrain.lr = []", "{cfg}: sweep.train.lr: must not be empty"),
    case("sweep-scalar", "[sweep]\ntrain.lr = 0.1", "{cfg}: sweep.train.lr: must be a list of values, got 0.1"),
    case("sweep-bad-value", "[sweep]\ntrain.lr = [0.1, -0.1]", "{cfg}: sweep.train.lr[1] -> train.lr: must be > 0, got -0.1"),
    case("sweep-unknown-key", "[sweep]\ntrain.lrate = [0.1]", "{cfg}: sweep.train.lrate[0] -> train.lrate: unknown key"),
    case("sweep-duplicates", '[sweep]\nimpl = ["numpy", "numpy"]', "{cfg}: sweep.impl: has duplicate values"),
    case("sweep-output", '[sweep]\noutput.dir = ["a", "b"]', "{cfg}: sweep.output.dir: cannot sweep over output"),
    case("sweep-not-a-table", "sweep = 3", "{cfg}: sweep: must be a table"),
    case("sweep-dataset-param", '[sweep]\ndata.params.C = [2, "three"]',
         "{cfg}: sweep.data.params.C[1] -> data.params.C: must be an integer >= 2, got 'three'"),
    case("sweep-combination-loss", '[sweep]\ndata.dataset = ["gauss", "noisy_1d"]\nmodel.loss = ["auto", "cross_entropy"]',
         "{cfg}: sweep: the combination data.dataset='noisy_1d', model.loss='cross_entropy' -> model.loss: "
         "'cross_entropy' does not fit the regression dataset 'noisy_1d'"),
    case("sweep-combination-split", '[data]\nparams = { C = 3 }\n[sweep]\ndata.test_size = [0.25, 0.05]\ndata.params.N = [100, 10]',
         "{cfg}: sweep: the combination data.test_size=0.05, data.params.N=10 -> data.test_size: 0.05 cannot be split"),
    # dataset parameters, from their declarations
    case("gauss-C-string", '[data]\nparams = { C = "three" }', "{cfg}: data.params.C: must be an integer >= 2, got 'three'"),
    case("gauss-C-float", "[data]\nparams = { C = 2.5 }", "{cfg}: data.params.C: must be an integer >= 2, got 2.5"),
    case("gauss-C-zero", "[data]\nparams = { C = 0 }", "{cfg}: data.params.C: must be an integer >= 2, got 0"),
    case("gauss-C-bool", "[data]\nparams = { C = true }", "{cfg}: data.params.C: must be an integer >= 2, got True"),
    case("gauss-N-negative", "[data]\nparams = { N = -5 }", "{cfg}: data.params.N: must be an integer >= 1, got -5"),
    case("gmm-unknown-param", '[data]\ndataset = "gmm"\nparams = { Q = 3 }',
         "{cfg}: data.params.Q: dataset 'gmm' has no parameter 'Q' (allowed: K, C, N)"),
    case("gmm-K-zero", '[data]\ndataset = "gmm"\nparams = { K = 0 }', "{cfg}: data.params.K: must be an integer >= 1, got 0"),
    case("moons-noise-string", MOONS + 'params = { noise = "lots" }', "{cfg}: data.params.noise: must be a finite number >= 0, got 'lots'"),
    case("moons-noise-negative", MOONS + "params = { noise = -0.1 }", "{cfg}: data.params.noise: must be a finite number >= 0, got -0.1"),
    case("moons-n-samples-float", MOONS + "params = { n_samples = 1e3 }", "{cfg}: data.params.n_samples: must be an integer >= 2, got 1000.0"),
    case("circles-factor", '[data]\ndataset = "circles"\nparams = { factor = 1.0 }',
         "{cfg}: data.params.factor: must be a finite number >= 0 and < 1, got 1.0"),
    case("blobs-cluster-std", '[data]\ndataset = "blobs"\nparams = { cluster_std = 0 }',
         "{cfg}: data.params.cluster_std: must be a finite number > 0, got 0"),
    case("spiral-turns", '[data]\ndataset = "spiral"\nparams = { turns = 0 }', "{cfg}: data.params.turns: must be a finite number > 0, got 0"),
    case("xor-noise-inf", '[data]\ndataset = "xor"\nparams = { noise = inf }', "{cfg}: data.params.noise: must be a finite number >= 0, got inf"),
    case("lines-test-set", '[data]\ndataset = "lines"\nparams = { test_set = "bogus" }',
         "{cfg}: data.params.test_set: must be one of 'dimmed' or 'noisy', got 'bogus'"),
    case("lines-dim-value", '[data]\ndataset = "lines"\nparams = { dim_value = 0 }',
         "{cfg}: data.params.dim_value: must be a finite number > 0 and <= 1, got 0"),
    case("iris-has-no-params", '[data]\ndataset = "iris"\nparams = { n_samples = 10 }',
         "{cfg}: data.params.n_samples: dataset 'iris' has no parameter 'n_samples' (allowed: none)"),
    case("noisy-function", NOISY + 'params = { function = "tan" }',
         "{cfg}: data.params.function: must be one of 'sin', 'cubic' or 'abs', got 'tan'"),
    case("noisy-low-above-high", NOISY + "params = { low = 1.0, high = 0.0 }", "{cfg}: data.params.high: must be > low (1.0), got 0.0"),
    case("mnist-n-train", MNIST + 'params = { folder = "{tmp}", n_train = 0 }', "{cfg}: data.params.n_train: must be an integer >= 1, got 0"),
    case("mnist-folder-missing", MNIST + 'params = { folder = "{tmp}/nowhere" }',
         "{cfg}: data.params.folder: MNIST folder '{tmp}/nowhere' does not exist"),
    case("mnist-default-folder-missing", MNIST, "{cfg}: data.params.folder: MNIST folder 'data/mnist' does not exist"),
    case("mnist-files-missing", MNIST + 'params = { folder = "{tmp}/partial" }',
         "{cfg}: data.params.folder: MNIST folder '{tmp}/partial' lacks t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte"),
    # task and loss, test_size and class sizes
    case("mse-on-classification", '[model]\nloss = "mse"',
         "{cfg}: model.loss: 'mse' does not fit the classification dataset 'gauss' (use 'cross_entropy' or 'auto')"),
    case("cross-entropy-on-regression", NOISY + '[model]\nloss = "cross_entropy"',
         "{cfg}: model.loss: 'cross_entropy' does not fit the regression dataset 'noisy_1d' (use 'mse' or 'auto')"),
    case("test-size-too-small", "[data]\nparams = { C = 3, N = 10 }\ntest_size = 0.05",
         "{cfg}: data.test_size: 0.05 cannot be split: 0.05 of the 30 samples of 'gauss' gives 28 train and 2 test samples, "
         "fewer than its 3 classes"),
    case("test-size-too-large", '[data]\ndataset = "iris"\ntest_size = 0.99', "{cfg}: data.test_size: 0.99 cannot be split"),
    case("test-size-gmm", '[data]\ndataset = "gmm"\nparams = { K = 4, C = 2, N = 1 }\ntest_size = 0.2',
         "{cfg}: data.test_size: 0.2 cannot be split: 0.2 of the 4 samples of 'gmm' gives 3 train and 1 test samples, "
         "fewer than its 2 classes"),
    case("regression-nothing-to-train", NOISY + "params = { n_samples = 2 }\ntest_size = 0.9",
         "{cfg}: data.test_size: 0.9 cannot be split: 0.9 of the 2 samples of 'noisy_1d' gives 0 train and 2 test samples"),
    # --set names itself as the source
    case("set-unknown-key", "", "--set train.lrr=1: train.lrr: unknown key", extra=["--set", "train.lrr=1"]),
    case("set-bad-value", "", "--set train.lr=-1: train.lr: must be > 0, got -1", extra=["--set", "train.lr=-1"]),
    case("set-no-equals", "", "--set train.lr: expected KEY.PATH=VALUE", extra=["--set", "train.lr"]),
    case("set-empty-key", "", "--set =3: expected KEY.PATH=VALUE", extra=["--set", "=3"]),
    case("set-inside-a-value", "[train]\nlr = 0.1", "--set train.lr.x=1: train.lr.x: cannot set a key inside a non-table value",
         extra=["--set", "train.lr.x=1"]),
    case("set-dataset-param", "", "--set data.params.C=0: data.params.C: must be an integer >= 2, got 0",
         extra=["--set", "data.params.C=0"]),
    case("set-dataset-blamed-for-params", "[data]\nparams = { C = 3 }", '--set data.dataset="moons": data.params.C: dataset',
         extra=["--set", 'data.dataset="moons"']),
    case("set-sweep-duplicates", "", "--set sweep.seed=[0, 0]: sweep.seed: has duplicate values",
         extra=["--set", "sweep.seed=[0, 0]"]),
    case("set-file-still-blamed", "[train]\nlr = -1", "{cfg}: train.lr: must be > 0", extra=["--set", "train.epochs=2"]),
    # the config file itself
    case("config-is-a-folder", None, "{tmp}: is a folder, not a config file", argv=["run", "{tmp}", "--out", "{out}"]),
    case("config-missing", None, "{tmp}/missing.toml: file not found", argv=["run", "{tmp}/missing.toml", "--out", "{out}"]),
    case("config-unknown-name", None, "no_such_config: neither a file nor a shipped config",
         argv=["run", "no_such_config", "--out", "{out}"]),
    case("config-not-utf8", "\udcff", "{cfg}: not valid TOML"),
    # options and folders
    case("jobs-zero", "", "argument --jobs: must be >= 1, or -1 for all cores, got 0", extra=["--jobs", "0"]),
    case("jobs-minus-two", "", "argument --jobs: must be >= 1, or -1 for all cores, got -2", extra=["--jobs", "-2"]),
    case("jobs-word", "", "argument --jobs: must be an integer, got 'two'", extra=["--jobs", "two"]),
    case("backend-unknown", "", "argument --backend: invalid choice: 'ray'", extra=["--backend", "ray"]),
    case("dask-without-scheduler", "", "--backend dask needs --scheduler ADDRESS", extra=["--backend", "dask"]),
    case("scheduler-without-dask", "", "--scheduler: only used with --backend dask", extra=["--scheduler", "tcp://127.0.0.1:1"]),
    case("scheduler-unreachable", "", "--scheduler tcp://127.0.0.1:{port}: no Dask scheduler answered",
         extra=["--backend", "dask", "--scheduler", "tcp://127.0.0.1:{port}"]),
    case("out-is-a-file", "", "run folder {tmp}/file.txt is a file", argv=["run", "{cfg}", "--out", "{tmp}/file.txt"]),
    case("out-not-a-run", "", "{tmp}/partial is not empty and was not made by this runner",
         argv=["run", "{cfg}", "--out", "{tmp}/partial", "--fresh"]),
    case("parity-rows", "", "argument --rows: must be >= 0, got -3", argv=PARITY, extra=["--rows", "-3"]),
    case("parity-steps", "", "argument --steps: must be >= 1, got 0", argv=PARITY, extra=["--steps", "0"]),
    case("parity-tol", "", "argument --tol: must be a finite number > 0, got 0", argv=PARITY, extra=["--tol", "0"]),
    case("parity-tol-nan", "", "argument --tol: must be a finite number > 0, got nan", argv=PARITY, extra=["--tol", "nan"]),
    case("parity-out-file", "", "--out {tmp}/file.txt: is a file, not a folder", argv=["parity", "{cfg}", "--out", "{tmp}/file.txt"]),
    case("parity-bad-config", "[train]\nlr = inf", "{cfg}: train.lr: must be a finite number, got inf", argv=PARITY),
    case("report-not-a-run", None, "{tmp}/partial is not a run folder", argv=["report", "{tmp}/partial"]),
    case("report-missing", None, "{tmp}/nothing is not a run folder", argv=["report", "{tmp}/nothing"]),
    # what a cell would cost (experiments/config/resources.py), against [limits]
    case("hidden-million", "[model]\nhidden = [1000000, 1000000]", "{cfg}: model.hidden: a cell needs about 4.83e+04 GB"),
    case("hidden-20000", "[model]\nhidden = [20000, 20000]",
         "{cfg}: model.hidden: a cell needs about 25.8 GB of memory, mostly parameters and optimizer state"),
    case("gauss-N-huge", "[data]\nparams = { N = 1000000000 }", "{cfg}: data.params.N: a cell needs about"),
    case("gauss-C-huge", "[data]\nparams = { C = 1000000000 }", "{cfg}: data.params.C: a cell needs about"),
    case("blobs-n-samples-huge", '[data]\ndataset = "blobs"\nparams = { n_samples = 10000000000 }',
         "{cfg}: data.params.n_samples: a cell needs about"),
    case("mnist-n-train-huge", MNIST + 'params = { folder = "{tmp}/mnist", n_train = 1000000000 }',
         "{cfg}: data.params.n_train: must be <= 20, the training images in '{tmp}/mnist', got 1000000000"),
    case("noise-overflows", MOONS + "params = { noise = 1e308 }",
         "{cfg}: data.params.noise: must be at most 1e+06 in magnitude (larger values overflow), got 1e+308"),
    case("epochs-huge", "[train]\nepochs = 1000000000",
         "{cfg}: train.epochs: 8,000,000,000 optimizer steps per cell, above limits.max_steps = 10,000,000; "
         "raise it in a [limits] table (or --set limits.max_steps=...) to run it anyway"),
    case("n-iter-huge", "[train]\nn_iter = 1000000000000000", "{cfg}: train.n_iter: 1,000,000,000,000,000 optimizer steps"),
    case("parity-steps-huge", "", "--steps: 1,000,000,000,000 optimizer steps per cell, above limits.max_steps",
         argv=PARITY, extra=["--steps", "1000000000000"]),
    case("work-above-limit", "[limits]\nmax_work = 1000", "{cfg}: train.epochs: about 2.09e+06 multiply-adds per cell (800 steps of 32 samples plus the epoch-end scoring, 63 parameters)"),
    case("sweep-point-too-big", "[sweep]\nmodel.hidden = [[5], [20000, 20000]]",
         "{cfg}: sweep.model.hidden[1] -> model.hidden: a cell needs about"),
    case("limits-zero", "[limits]\nmax_memory_gb = 0", "{cfg}: limits.max_memory_gb: must be > 0, got 0"),
    case("sweep-limits", "[sweep]\nlimits.max_steps = [1, 2]", "{cfg}: sweep.limits.max_steps: cannot sweep over limits"),
    # config files that are not files, too big or too deep; MNIST files that are not IDX
    case("config-dev-zero", None, "/dev/zero: is not a regular file", argv=["run", "/dev/zero", "--out", "{out}"]),
    case("config-named-pipe", None, "{tmp}/pipe.toml: is not a regular file", argv=["run", "{tmp}/pipe.toml", "--out", "{out}"]),
    case("config-too-large", "#" * 1_000_001, "{cfg}: is larger than 1 MB; not a config file"),
    case("config-nested-5000", "a = " + "[" * 5000 + "]" * 5000, "{cfg}: not valid TOML: nested too deeply"),
    case("mnist-not-idx", MNIST + 'params = { folder = "{tmp}/notidx" }',
         "{cfg}: data.params.folder: MNIST folder '{tmp}/notidx': {tmp}/notidx/train-images-idx3-ubyte is not an IDX file"),
    # meanings that do not hold
    case("validation-fraction-empties-training", "[data]\nparams = { C = 2, N = 4 }\n[train]\nvalidation_fraction = 0.9",
         "{cfg}: train.validation_fraction: 0.9 of the 6 training samples leaves 0 to train on and 6 to validate"),
    case("early-stopping-one-row", MNIST + 'params = { folder = "{tmp}/mnist", n_train = 1 }\n[train]\nearly_stopping = true',
         "{cfg}: train.validation_fraction: 0.1 with early stopping of the 1 training samples leaves 0 to train on"),
    case("sweep-whole-table", "[sweep]\ntrain = [{ lr = 0.1 }]", "{cfg}: sweep.train: cannot sweep whole tables"),
    case("batch-above-training-set", "[data]\nparams = { C = 2, N = 20 }\n[train]\nbatch_size = 1000000",
         '{cfg}: train.batch_size: 1000000 is larger than the 30 samples trained on (use "full" for full-batch training)'),
    case("set-newline-smuggles-toml", "", "train.lr: the value must be one TOML value; it holds more TOML after a line break",
         extra=["--set", "train.lr=0.1\n[model]\nhidden = [3]"]),
    case("negative-slope-with-relu", "[model]\nnegative_slope = 0.2",
         "{cfg}: model.negative_slope: applies to activation 'leaky_relu' only, got activation 'relu'"),
    case("animation-cell-matches-nothing", '[output]\nanimation = true\nanimation_cell = { "train.lr" = 0.7 }',
         "{cfg}: output.animation_cell: {{'train.lr': 0.7}} matches no cell of the grid"),
    case("knn-k-above-n", '[data]\nparams = { C = 2, N = 4 }\n[[references]]\nname = "knn"\n'
         'model = "k_neighbors_classifier"\nparams = { n_neighbors = 10 }',
         "{cfg}: references[0].params.n_neighbors: 10 neighbours, but the training part of 'gauss' holds 6 samples"),
]


def _snapshot(folder):
    return sorted((p.relative_to(folder).as_posix(), p.read_bytes() if p.is_file() else None) for p in folder.rglob("*"))


@pytest.mark.parametrize("toml, argv, expected", CATALOGUE)
def test_bad_input_exits_2_names_source_and_key_writes_nothing(toml, argv, expected, tmp_path, monkeypatch, capsys):
    tmp = tmp_path / "in"
    (tmp / "partial").mkdir(parents=True)
    (tmp / "partial" / "train-images-idx3-ubyte").write_bytes(b"")
    (tmp / "partial" / "train-labels-idx1-ubyte").write_bytes(b"")
    (tmp / "file.txt").write_text("keep me")
    (tmp / "notidx").mkdir()
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp / "notidx" / stem).write_text("not an IDX file")
    (tmp / "mnist").mkdir()
    for prefix in ("train", "t10k"):
        write_idx(tmp / "mnist" / f"{prefix}-images-idx3-ubyte", np.zeros((20, 28, 28), np.uint8))
        write_idx(tmp / "mnist" / f"{prefix}-labels-idx1-ubyte", np.arange(20, dtype=np.uint8) % 10)
    os.mkfifo(tmp / "pipe.toml")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg, out = tmp / "bad.toml", tmp_path / "out"
    fmt = {"cfg": cfg, "out": out, "tmp": tmp, "port": port}
    if toml is not None:
        cfg.write_bytes((toml.replace("{tmp}", str(tmp)) + "\n").encode("utf-8", errors="surrogateescape"))
    monkeypatch.chdir(tmp_path)  # the default MNIST folder data/mnist is relative
    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT", 1)
    before = _snapshot(tmp_path)
    assert main([a.format(**fmt) for a in argv]) == 2
    err = capsys.readouterr().err
    assert expected.format(**fmt) in err, err
    assert "Traceback" not in err
    assert not out.exists()
    assert _snapshot(tmp_path) == before


def test_catalogue_size():
    assert len(CATALOGUE) >= 70
