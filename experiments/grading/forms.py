"""The forms the grader recognises, in the order it prefers them when a file has several:
name -> (detect(module), probe(module, file, data, settings))."""
from __future__ import annotations

from . import function_form, objects, torch_form

__all__ = ["FORMS", "found_forms"]

FORMS = {
    "function": (function_form.detect, function_form.probe),
    "pytorch": (torch_form.detect, torch_form.probe),
    "layers": (objects.detect_layers, objects.probe_layers),
    "plugin": (objects.detect_plugin, objects.probe_plugin),
}


def found_forms(module) -> list[str]:
    return [name for name, (detect, _) in FORMS.items() if detect(module)]
