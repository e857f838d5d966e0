"""MathJax inside the page, so a page typesets its math with no network.

nbconvert's templates load MathJax 2 from a CDN: offline, a learner sees raw LaTeX. The copy used
here ships with a dependency (PyPI's ``django-static-mathjax``: MathJax 3's files, nothing else)
and goes into the page itself, so the page still works when mailed, moved or opened on a train.
Its single-file SVG build needs no fonts or further files; gzip'd it adds about 1 MB to a page,
and the browser unpacks it with ``DecompressionStream`` (every current browser has it).
"""
from __future__ import annotations

import base64
import functools
import gzip
import json
from importlib.resources import files

MATHJAX = files("mathjax") / "static" / "mathjax" / "es5" / "tex-svg-full.js"

# nbconvert's MathJax 2 settings (base/mathjax.html.j2) in MathJax 3's words; nothing is loaded
# from anywhere: the "full" build holds every TeX extension.
CONFIG = {
    "tex": {
        "inlineMath": [["$", "$"], ["\\(", "\\)"]],
        "displayMath": [["$$", "$$"], ["\\[", "\\]"]],
        "processEscapes": True,
        "processEnvironments": True,
        "tags": "ams",
    },
    "svg": {"fontCache": "global"},
    "loader": {"load": []},
    "options": {"enableMenu": False},
}

LOADER = """<script>
window.MathJax = %(config)s;
(function () {
  var packed = Uint8Array.from(atob("%(packed)s"), function (c) { return c.charCodeAt(0); });
  new Response(new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(function (code) {
    var script = document.createElement("script");
    script.textContent = code;
    document.head.appendChild(script);
  });
})();
</script>"""


@functools.cache
def mathjax_script() -> str:
    """A ``<script>`` element that configures MathJax and runs it from a gzip'd copy inside the page."""
    packed = base64.b64encode(gzip.compress(MATHJAX.read_bytes(), compresslevel=1, mtime=0)).decode("ascii")
    return LOADER % {"config": json.dumps(CONFIG), "packed": packed}
