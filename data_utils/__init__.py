"""Shared by both implementations; imports neither fcann2 nor pt_deep.

- ``data_utils.datasets``: generators and loaders, the dataset registry.
- ``data_utils.training``: the training contract - initial parameters, sample schedules,
  training recipes, the training loop shell, the model file format, the estimator shell.
- ``data_utils.plots``: decision surfaces and charts (matplotlib ``Figure`` objects).
- ``data_utils.metrics``, ``data_utils.validation``: metrics and input checks.

Every public name is also available here (``data_utils.sample_gmm_2d``); each is imported
on first use, so ``import data_utils`` itself is cheap.
"""
from ._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".datasets.course": ("Random2DGaussian", "sample_gauss_2d", "sample_gmm_2d", "sample_gmm", "class_to_onehot",
                  "labels_from_onehot"),
    ".datasets.registry": ("DATASETS", "Dataset", "load_dataset", "dataset_params"),
    ".datasets.mnist": ("load_mnist", "read_idx", "write_idx"),
    ".training.schedules": ("Schedule", "make_schedule"),
    ".training.initializers": ("INIT_SCHEMES", "init_params", "check_sizes"),
    ".training.loop": ("TrainResult",),
    ".training.param_io": ("ModelFileError", "save_params_npz", "load_params_npz"),
    ".metrics": ("eval_perf_binary", "eval_perf_multi", "eval_AP", "classification_metrics",
                 "regression_metrics"),
    ".plots.surfaces": ("graph_surface", "graph_data", "plot_decision_regions", "decision_grid"),
    ".plots.charts": ("plot_loss_curves", "plot_heatmap", "plot_image_grid", "plot_weights",
                      "plot_confusion_matrix"),
    ".plots.figures": ("new_figure", "save_figure", "bounding_rect"),
    ".validation": ("as_generator", "check_features", "check_labels", "check_targets"),
})
