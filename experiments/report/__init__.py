"""What a user reads: the run's tables, figures and page (``render``, ``page``, ``summary``,
``agreement``, the figure modules), and ``compare`` across runs. Reads run folders only: no
training, no dataset rebuild, no torch import."""
