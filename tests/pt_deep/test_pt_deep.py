import numpy as np
import pytest
import torch

import fcann2
from data_utils import ModelFileError, init_params
from pt_deep import PTDeep, load_npz, load_state, num_threads, save_npz, save_state, train


def test_hand_checked_forward():
    W1 = np.array([[1.0, -1.0], [0.5, 0.5]])
    b1 = np.array([0.0, -1.0])
    W2 = np.array([[1.0, 2.0], [-1.0, 0.0]])
    b2 = np.array([0.5, 0.0])
    model = PTDeep.from_params([(W1, b1), (W2, b2)], activation="relu")
    x = np.array([[2.0, 1.0]])  # hidden: relu([1, 0.5]) = [1, 0.5]; out: [1+1+0.5, -1]
    np.testing.assert_allclose(model.output(x), [[2.5, -1.0]])
    p = np.exp([2.5, -1.0]) / np.exp([2.5, -1.0]).sum()
    np.testing.assert_allclose(model.predict_proba(x), [p], rtol=1e-15)
    assert model.predict(x).tolist() == [0]
    loss = model.loss(torch.tensor(x), torch.tensor([1]))
    assert loss.item() == pytest.approx(-np.log(p[1]), rel=1e-14)


def test_layout_count_params_and_exchange():
    params = init_params([3, 5, 4, 2], rng=0)
    model = PTDeep.from_params(params, activation="tanh")
    total, shapes = model.count_params()
    assert total == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 2 + 2
    assert shapes["layers.0.weight"] == (5, 3) and shapes["layers.2.bias"] == (2,)
    assert model.sizes == [3, 5, 4, 2] and model.dtype == torch.float64
    for (W, b), (W2, b2) in zip(params, model.to_params()):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    assert isinstance(model.layers[0], torch.nn.Linear)
    assert "activation='tanh'" in repr(model)
    m32 = PTDeep.from_params(init_params([3, 2], rng=0, dtype=np.float32))
    assert m32.dtype == torch.float32 and m32.output(np.ones((1, 3))).dtype == np.float32


def test_from_params_and_constructor_errors():
    with pytest.raises(ValueError, match="layer 0"):
        PTDeep([2, 3]).set_params(init_params([2, 4], rng=0))
    with pytest.raises(ValueError, match="got 2 layers"):
        PTDeep([2, 3]).set_params(init_params([2, 4, 3], rng=0))
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        PTDeep([2, 3], loss="hinge")
    with pytest.raises(ValueError, match="sizes must list"):
        PTDeep([2])
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        PTDeep([2, 3], dtype="float16")
    with pytest.raises(ValueError, match="predict_proba needs a cross_entropy model"):
        PTDeep([2, 1], loss="mse").predict_proba(np.ones((1, 2)))


def test_inference_keeps_no_graph():
    model = PTDeep([2, 3, 2])
    out = model.predict_proba(np.ones((4, 2)))
    assert isinstance(out, np.ndarray)
    assert all(p.grad is None for p in model.parameters())


def test_num_threads_is_scoped():
    before = torch.get_num_threads()
    with num_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="n_threads must be a positive integer"):
        with num_threads(0):
            pass
    X, y = np.random.default_rng(0).standard_normal((10, 2)), np.arange(10) % 2
    train(PTDeep([2, 3, 2]), X, y, lr=0.1, n_iter=3, n_threads=1)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_state_round_trip(tmp_path, dtype):
    model = PTDeep.from_params(init_params([2, 6, 3], rng=1, dtype=dtype), activation="leaky_relu",
                               negative_slope=0.2)
    loaded = load_state(save_state(model, tmp_path / "m.pt"))
    assert loaded.activation == "leaky_relu" and loaded.negative_slope == 0.2
    for (W, b), (W2, b2) in zip(model.to_params(), loaded.to_params()):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
        assert W2.dtype == dtype


def test_state_file_errors(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_state(tmp_path / "none.pt")
    (tmp_path / "garbage.pt").write_bytes(b"\x00garbage")
    with pytest.raises(ModelFileError, match="not a loadable PTDeep state file"):
        load_state(tmp_path / "garbage.pt")
    good = save_state(PTDeep([2, 3, 2]), tmp_path / "good.pt")
    (tmp_path / "trunc.pt").write_bytes(good.read_bytes()[:200])
    with pytest.raises(ModelFileError):
        load_state(tmp_path / "trunc.pt")
    torch.save({"weights": torch.ones(2)}, tmp_path / "other.pt")
    with pytest.raises(ModelFileError, match="expected keys"):
        load_state(tmp_path / "other.pt")
    blob = torch.load(good, weights_only=True)
    blob["meta"]["sizes"] = [2, 4, 2]
    torch.save(blob, tmp_path / "mismatch.pt")
    with pytest.raises(ModelFileError, match="does not match its metadata"):
        load_state(tmp_path / "mismatch.pt")
    blob["meta"]["format_version"] = 7
    torch.save(blob, tmp_path / "version.pt")
    with pytest.raises(ModelFileError, match="format_version 7"):
        load_state(tmp_path / "version.pt")

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"state_dict": Evil(), "meta": {}}, tmp_path / "evil.pt", _use_new_zipfile_serialization=True)
    with pytest.raises(ModelFileError):
        load_state(tmp_path / "evil.pt")


def test_npz_interchange_with_fcann2(tmp_path, rng):
    X = rng.standard_normal((20, 4))
    np_model = fcann2.MLP.from_sizes([4, 8, 3], activation="sigmoid", rng=2)
    pt_model = load_npz(fcann2.save_model(np_model, tmp_path / "np.npz"))
    np.testing.assert_allclose(pt_model.predict_proba(X), np_model.predict_proba(X), rtol=1e-13)
    np.testing.assert_array_equal(pt_model.predict(X), np_model.predict(X))
    back = fcann2.load_model(save_npz(pt_model, tmp_path / "pt.npz"))
    np.testing.assert_allclose(back.predict_proba(X), np_model.predict_proba(X), rtol=1e-13)
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04broken")
    with pytest.raises(ModelFileError):
        load_npz(tmp_path / "bad.npz")
