"""Interactive figures of the notebooks, one module per notebook topic."""
