"""The work of one cell: its data, initial parameters and schedule (``setup``), training and
scoring it (``cell``, ``scoring``), what it records for the report (``outputs``), the reload
check, the stacked engine's groups (``stacked``) and the scikit-learn baselines (``baselines``)."""
