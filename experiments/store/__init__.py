"""The run folder: which folders the runner may write and what ``--fresh`` removes (``folder``),
its lock (``lock``), the cells' records and arrays (``cells``), a finished run read back from the
folder alone (``results``) and its records as pandas frames (``frames``). Imports ``config`` and
``implementations`` only."""
