"""Shared by both implementations: data, schedules, initial parameters, the training loop
shell, metrics, plots and the model file format. Imports neither fcann2 nor pt_deep."""
from .charts import plot_confusion_matrix, plot_heatmap, plot_image_grid, plot_loss_curves, plot_weights
from .course import Random2DGaussian, class_to_onehot, sample_gauss_2d, sample_gmm_2d
from .figures import bounding_rect, new_figure, save_figure
from .initializers import INIT_SCHEMES, check_sizes, init_params
from .metrics import classification_metrics, eval_AP, eval_perf_binary, eval_perf_multi, regression_metrics
from .mnist import load_mnist, read_idx, write_idx
from .param_io import ModelFileError, load_params_npz, save_params_npz
from .registry import DATASETS, Dataset, dataset_params, load_dataset
from .schedules import Schedule, make_schedule
from .surfaces import decision_grid, graph_data, graph_surface, plot_decision_regions
from .training import TrainResult
from .validation import as_generator, check_features, check_labels, check_targets

__all__ = [
    "Random2DGaussian", "sample_gauss_2d", "sample_gmm_2d", "class_to_onehot",
    "DATASETS", "Dataset", "load_dataset", "dataset_params", "load_mnist", "read_idx", "write_idx",
    "Schedule", "make_schedule", "INIT_SCHEMES", "init_params", "check_sizes", "TrainResult",
    "eval_perf_binary", "eval_perf_multi", "eval_AP", "classification_metrics", "regression_metrics",
    "graph_surface", "graph_data", "plot_decision_regions", "decision_grid",
    "plot_loss_curves", "plot_heatmap", "plot_image_grid", "plot_weights", "plot_confusion_matrix",
    "new_figure", "save_figure", "bounding_rect",
    "ModelFileError", "save_params_npz", "load_params_npz",
    "as_generator", "check_features", "check_labels", "check_targets",
]
