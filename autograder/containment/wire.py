"""The wire format between the grader and the sandbox: plain JSON data, never pickles.

An array travels as its float64 bytes in base64 text: a 10⁶-entry answer (02's O(n) products)
takes 0.2 s each way, where a JSON list of floats took 2 s.

The sandbox (:mod:`autograder.containment.sandbox`) sends every result it computes from learner
code as :func:`plain` data; the grader (:mod:`autograder.containment.verify`) reads it back with
:func:`restore` and sends the sandbox a derivation's points the same way. Nothing the learner
wrote is ever run or unpickled on the grader's side.
"""
from __future__ import annotations

import base64
from typing import Any

# what plain() gives: a JSON value whose lists sit inside the dicts that say what they were
Plain = None | bool | int | float | str | dict[str, Any]


def plain(value: Any, depth: int = 0) -> Plain:
    """``value`` as JSON-able plain data: numbers, strings, lists and dicts only."""
    import numpy as np

    if depth > 6:
        raise TypeError("nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.generic, np.ndarray)):
        array = np.asarray(value)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"an array of {array.dtype}")
        if array.dtype.kind == "c":
            array = array.real if not np.any(array.imag) else array
            if array.dtype.kind == "c":
                raise TypeError("complex numbers")
        return {"array": base64.b64encode(array.astype("<f8").tobytes()).decode("ascii"), "dtype": str(array.dtype),
                "shape": list(array.shape)}
    if isinstance(value, (list, tuple)):
        return {"sequence": [plain(v, depth + 1) for v in value], "kind": type(value).__name__}
    if isinstance(value, dict):
        return {"mapping": {str(k): plain(v, depth + 1) for k, v in value.items()}}
    raise TypeError(f"a {type(value).__name__}")


def restore(value: Plain) -> Any:
    """Plain data (from :func:`plain`, through JSON) back as arrays, tuples, lists and dicts."""
    import numpy as np

    if isinstance(value, dict) and "array" in value:
        floats = np.frombuffer(base64.b64decode(value["array"], validate=True), dtype="<f8")
        return floats.astype(value["dtype"]).reshape(value["shape"])
    if isinstance(value, dict) and "sequence" in value:
        items = [restore(v) for v in value["sequence"]]
        return tuple(items) if value["kind"] == "tuple" else items
    if isinstance(value, dict) and "mapping" in value:
        return {k: restore(v) for k, v in value["mapping"].items()}
    return value
