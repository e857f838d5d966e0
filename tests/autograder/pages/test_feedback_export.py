"""The feedback exporter's one pass (autograder.pages.feedback_export.OnePassHTMLExporter): the page
nbconvert's HTMLExporter makes, without its BeautifulSoup pass, shows the same text, the same
highlighted code and the same images, each with alt text."""
import base64

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter

from autograder.pages.feedback_export import OnePassHTMLExporter

from .test_page_templates import Page

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2ddc1a20000000049454e44ae426082")).decode()


def notebook():
    """A notebook with what a feedback page shows: math and non-ASCII text, code, a traceback, images
    with and without alt text."""
    plot = nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
    described = nbformat.v4.new_output("display_data", data={"image/png": PNG},
                                       metadata={"image/png": {"alt": "the gradient field"}})
    error = nbformat.v4.new_output("error", ename="AssertionError", evalue="∇f has the wrong shape <2×3>",
                                   traceback=["AssertionError: ∇f has the wrong shape <2×3>"])
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 02 · Jacobians\nThe map $x \\mapsto Ax$ has ∂f/∂x = A & more <b>bold</b>."),
        nbformat.v4.new_code_cell("import numpy as np\ndef jac(A, x):\n    return A  # ¶ 'quoted' \"too\"",
                                  outputs=[plot, described, error]),
    ])
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    return nb


@pytest.fixture(scope="module")
def pages():
    return [Page(exporter(template_name="classic").from_notebook_node(notebook())[0])
            for exporter in (HTMLExporter, OnePassHTMLExporter)]


def test_the_one_pass_page_shows_what_nbconverts_shows(pages):
    stock, one_pass = pages
    assert one_pass.text == stock.text
    assert "∂f/∂x = A & more bold" in one_pass.text and "wrong shape <2×3>" in one_pass.text


def test_code_is_highlighted_alike(pages):
    spans = [[found.get("class") for found in page.having("span")] for page in pages]
    assert spans[0] == spans[1] and "kn" in spans[1]  # pygments' class of `import`: the lexer was applied


def test_every_image_has_alt_text_and_its_own_is_kept(pages):
    alts = [[image.get("alt") for image in page.having("img")] for page in pages]
    assert alts[0] == alts[1] == ["No description has been provided for this image", "the gradient field"]
