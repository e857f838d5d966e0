"""Store source notebooks clean: no outputs, no execution counts, no editor metadata, stable cell ids.

Usage: ``python tools/normalize_notebooks.py [--check] NOTEBOOK...``; with ``--check`` nothing is
written and the exit status says whether every notebook is already clean.
"""
import argparse
import sys

import nbformat

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
KEPT_CELL_METADATA = ("nbgrader", "tags", "deletable", "editable")


def normalized(nb):
    """A copy of ``nb`` as it should be committed."""
    nb = nbformat.from_dict(nb)
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO})
    for index, cell in enumerate(nb.cells):
        cell.id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell-{index:03d}"
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k in KEPT_CELL_METADATA})
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report notebooks that are not clean")
    parser.add_argument("notebooks", nargs="+")
    options = parser.parse_args(argv)
    dirty = []
    for path in options.notebooks:
        nb = nbformat.read(path, as_version=4)
        clean = normalized(nb)
        text = nbformat.writes(clean) + "\n"
        with open(path, encoding="utf-8") as handle:
            current = handle.read()
        if current != text:
            dirty.append(path)
            if not options.check:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(text)
    for path in dirty:
        print(("not clean: " if options.check else "normalized: ") + path)
    return 1 if options.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
