import numpy as np
import pytest
from matplotlib.image import imread

from data_utils import (bounding_rect, decision_grid, graph_data, graph_surface, new_figure,
                        plot_confusion_matrix, plot_decision_regions, plot_heatmap, plot_image_grid,
                        plot_loss_curves, plot_weights, sample_gauss_2d, save_figure)
from data_utils.plots.surfaces import grid_points


def _png(fig, path, dpi=50):
    save_figure(fig, path, dpi=dpi)
    img = imread(path)
    w, h = fig.get_size_inches() * dpi
    assert img.shape[:2] == (round(h), round(w))
    assert img[..., :3].std() > 0.01  # not a blank image
    return img


def _linear_proba(P):
    z = np.column_stack([-P[:, 0], P[:, 0]])
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_graph_surface_and_data(tmp_path):
    X, Y_ = sample_gauss_2d(2, 50, rng=0)
    fig, ax = new_figure()
    rect = bounding_rect(X)
    graph_surface(lambda P: P[:, 0] - P[:, 1], rect, offset=0, ax=ax)
    graph_data(X, Y_, (X[:, 0] > X[:, 1]).astype(int), special=[0, 1], ax=ax)
    _png(fig, tmp_path / "surface.png")
    # the colour range is symmetric about the offset
    mesh = ax.collections[0]
    lo, hi = mesh.get_clim()
    assert lo == pytest.approx(-hi)
    assert len(ax.collections) >= 3  # mesh + contour + two marker groups


def test_decision_regions_agree_with_classifier(tmp_path):
    rect = ([-2, -2], [2, 2])
    fig, ax = new_figure()
    plot_decision_regions(_linear_proba, rect, ax=ax, width=40, height=30)
    _png(fig, tmp_path / "regions.png")
    rgb = ax.images[0].get_array()
    assert rgb.shape == (30, 40, 3)
    _, _, P = grid_points(rect, 40, 30)
    pred = _linear_proba(P).argmax(axis=1).reshape(30, 40)
    # class 1 is painted red-ish, class 0 blue-ish: compare channel dominance with predictions
    painted = (rgb[..., 0] > rgb[..., 2]).astype(int)
    assert np.mean(painted == pred) > 0.99


def test_decision_grid(tmp_path):
    X, y = sample_gauss_2d(3, 20, rng=1)

    def proba(P):
        d = -((P[:, None, :] - X[::20][None]) ** 2).sum(-1)
        e = np.exp(d - d.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    panels = [[(proba, "a"), (proba, "b")], [(proba, "c"), None]]
    fig = decision_grid(panels, ["h=5", "h=50"], ["lr=0.1", "lr=1"], X=X, y=y, suptitle="grid",
                        resolution=30)
    _png(fig, tmp_path / "grid.png")
    assert len(fig.axes) == 4
    with pytest.raises(ValueError, match="rect or X"):
        decision_grid(panels, ["a", "b"], ["c", "d"])


def test_charts(tmp_path, rng):
    fig, ax = new_figure()
    plot_loss_curves({"numpy": [1, 0.5, 0.2], "torch": [1, 0.5, np.nan]}, ax=ax, title="loss",
                     styles={"torch": {"linestyle": "--"}})
    _png(fig, tmp_path / "loss.png")
    assert len(ax.lines[1].get_xdata()) == 2  # cut at the NaN ...
    assert len(ax.lines) == 3 and list(ax.lines[2].get_xdata()) == [2]  # ... and the cut marked
    assert ax.lines[1].get_label() == "torch (diverged)" and ax.get_yscale() == "log"
    fig, ax = new_figure()
    plot_heatmap(rng.random((2, 3)), [5, 50], [0.1, 0.5, 1.0], ax=ax, title="acc", center=0.5)
    _png(fig, tmp_path / "heat.png")
    assert len(ax.texts) == 6
    fig = plot_image_grid(rng.random((10, 9)), (3, 3), labels=list(range(10)), n_cols=4)
    _png(fig, tmp_path / "images.png")
    fig = plot_weights([(rng.standard_normal((5, 2)), np.zeros(5)), (rng.standard_normal((2, 5)), np.zeros(2))],
                       title="w")
    _png(fig, tmp_path / "weights.png")
    fig, ax = new_figure()
    plot_confusion_matrix([[5, 1], [2, 7]], ["a", "b"], ax=ax, title="cm")
    _png(fig, tmp_path / "cm.png")
    assert [t.get_text() for t in ax.texts] == ["5", "1", "2", "7"]
