"""What a cell records beyond its metrics, against independent computations: the untrained
model's test loss, the saved-weights reload check (and a corrupted model file it must
catch), and the highest-loss test examples of image data."""
import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss

import fcann2
from data_utils.training.param_io import load_params_npz, save_params_npz
from experiments.training.cell import train_cell
from experiments.training.outputs import HARDEST, hardest_examples
from experiments.config import parse_config
from experiments.implementations.registry import IMPLS
from experiments.training.reload_check import reload_check
from experiments.training.scoring import evaluate
from experiments.training.setup import prepare
from experiments.report.summary import grid_table
from experiments.store.frames import cells_frame


def _config(impl="numpy", **output):
    return parse_config({"impl": impl, "data": {"dataset": "gauss", "params": {"C": 3, "N": 20}, "standardize": True},
                         "model": {"hidden": [4], "init": "scaled_normal"},
                         "train": {"lr": 0.5, "batch_size": 8, "epochs": 3}, "output": output, "sweep": {}})


def test_initial_test_loss_is_the_untrained_models():
    setup = prepare(_config())
    proba = fcann2.MLP.from_params(setup.params).predict_proba(setup.X_test)
    expected = log_loss(setup.dataset.y_test, proba, labels=[0, 1, 2])
    records = {impl: train_cell(_config(impl)) for impl in ("numpy", "torch")}
    for rec in records.values():
        assert rec["status"] == "ok" and rec["initial_test_loss"] == pytest.approx(expected, rel=1e-12)
        assert rec["metrics"]["test"]["log_loss"] != pytest.approx(expected)  # the trained model's is another
        assert rec["n_params"] == 2 * 4 + 4 + 4 * 3 + 3
    assert expected == pytest.approx(np.log(3), abs=0.02)  # 0.01*randn weights: nearly uniform outputs


def _trained(cfg):
    setup = prepare(cfg)
    model = fcann2.MLP.from_params(setup.params, loss=setup.loss)
    fcann2.train(model, setup.X_train, setup.y_train, **setup.train_options(cfg))
    return setup, model


def _record(setup, model, reload) -> dict:
    metrics = evaluate(setup, model.predict_proba, ("test",))
    return {"id": "a", "pair": "p", "impl": "numpy", "keys": {}, "spec": {"seed": 0, "train": {"dtype": "float64"}},
            "status": "ok", "metrics": metrics, "reload": reload}


def _reloaded_text(record) -> str:
    cells = cells_frame([record], [], "classification")
    return grid_table(cells, pd.DataFrame(), [record], [], "classification")["reloaded"].iloc[0]


def test_reload_check_reloads_into_both_implementations():
    cfg = _config(reload_check=True)
    setup, model = _trained(cfg)
    reload = reload_check(model, IMPLS["numpy"], setup, "relu", 0.01)
    accuracy = evaluate(setup, model.predict_proba, ("test",))["test"]["accuracy"]
    assert set(reload) == set(IMPLS) >= {"numpy", "torch"}   # and cpp when built
    assert reload["numpy"]["max_output_diff"] == 0.0 and reload["torch"]["max_output_diff"] < 1e-14
    assert all(entry["test"]["accuracy"] == accuracy for entry in reload.values())
    assert _reloaded_text(_record(setup, model, reload)).startswith(f"{len(IMPLS)}/{len(IMPLS)} same")


def test_reload_check_catches_a_corrupted_model_file():
    """Injected bug: a writer that stores the output bias shifted by 1e-3 - the kind of slip a
    hand-written save makes - is caught on both sides and the summary says so."""
    def shifted_save(model, path):
        fcann2.save_model(model, path)
        params, meta = load_params_npz(path)
        params[-1] = (params[-1][0], params[-1][1] + np.array([1e-3, 0.0, 0.0]))
        save_params_npz(path, params, meta)

    setup, model = _trained(_config())
    reload = reload_check(model, dataclasses.replace(IMPLS["numpy"], save=shifted_save), setup, "relu", 0.01)
    assert all(entry["max_output_diff"] > 1e-5 for entry in reload.values())
    assert _reloaded_text(_record(setup, model, reload)).startswith(f"0/{len(IMPLS)} same")


def test_hardest_examples_are_the_highest_loss_ones(rng):
    n, C = 40, 4
    proba = rng.random((n, C))
    proba /= proba.sum(axis=1, keepdims=True)
    y, X = rng.integers(0, C, n), rng.random((n, 9))
    out = hardest_examples(proba, y, X)
    loss = -np.log(proba[np.arange(n), y])
    k = min(HARDEST, n // 2)
    assert out["hardest_index"].tolist() == np.argsort(-loss)[:k].tolist()
    np.testing.assert_allclose(out["hardest_loss"], np.sort(loss)[::-1][:k])
    np.testing.assert_array_equal(out["hardest_X"], X[out["hardest_index"]].astype(np.float32))
    assert len(hardest_examples(proba[:6], y[:6], X[:6])["hardest_index"]) == 3  # at most half the test set
    proba[0, 0] = np.nan
    assert hardest_examples(proba, y, X) == {}
