"""Plots on explicit matplotlib ``Figure`` objects (never pyplot's global state):
decision surfaces, loss curves, heatmaps, image grids, weights and confusion matrices."""
from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".surfaces": ("graph_surface", "graph_data", "plot_decision_regions", "decision_grid",
                    "plot_proba_grid", "plot_points", "surface_legend"),
    ".charts": ("plot_loss_curves", "plot_heatmap", "plot_image_grid", "plot_weights",
                "plot_confusion_matrix"),
    ".figures": ("new_figure", "save_figure", "bounding_rect"),
})
