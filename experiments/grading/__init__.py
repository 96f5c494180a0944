"""Grading the networks students write for the lab, as they write them (``python -m
experiments grade``): discover.py (what to grade in the paths given), sandbox.py + child.py
(one process per submission, limits, a private module name, the student's folder for
their own modules only), forms: function_form.py (``fcann2_train``/``fcann2_classify``),
torch_form.py (``PTDeep``/``train``/``eval``), objects.py (layer objects, plug-ins),
layout.py (parameters read from shapes), probe.py; reference.py (the lab's network and the
valid conventions), judge.py (verdicts), rows.py, table.py (csv, html, terminal),
grade.py (parallel, resumable)."""
