"""Datasets: the course's generators, 2-D toy sets, 3x3 line images, MNIST (IDX files),
regression sets, scikit-learn's bundled sets, and the registry that turns a name into a
split, optionally standardised ``Dataset``."""
from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".course": ("Random2DGaussian", "sample_gauss_2d", "sample_gmm_2d", "sample_gmm", "class_to_onehot",
                  "labels_from_onehot"),
    ".registry": ("DATASETS", "Dataset", "load_dataset", "dataset_params"),
    ".mnist": ("load_mnist", "read_idx", "write_idx"),
})
