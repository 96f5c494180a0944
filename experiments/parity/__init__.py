"""Is an implementation right? Two trainings in lockstep (``lockstep``), chaos told from bugs
(``chaos``), one backward pass against autograd (``gradients``), the verdict of every pair of
cells of a sweep (``grid``), parity's files (``output``) and the tolerances (``tolerance``)."""
