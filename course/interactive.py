"""A matplotlib figure redrawn by ipywidgets controls, testable without a display.

Each notebook's explorer subclasses :class:`InteractiveFigure` and implements ``draw``.
Tests set ``explorer.controls[name].value`` and read ``explorer.figure``'s artists.
"""
import io

import ipywidgets as widgets
from IPython.display import Image, display
from matplotlib.figure import Figure


class InteractiveFigure:
    """Controls above a figure; changing any control calls ``draw(**values)`` and re-renders.

    The figure is a plain :class:`matplotlib.figure.Figure` rendered to PNG, so it works the
    same under any matplotlib backend, in nbconvert's HTML and in headless tests.
    """

    def __init__(self, controls, *, figsize=(9, 4)):
        self.controls = dict(controls)
        self.figure = Figure(figsize=figsize, layout="constrained")
        self.output = widgets.Output()
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self.widget = widgets.VBox([widgets.HBox(list(self.controls.values())), self.output])
        self.update()

    def values(self):
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def draw(self, **values):
        """Redraw ``self.figure`` for the given control values (subclasses implement it)."""
        raise NotImplementedError

    def update(self):
        """Redraw the figure and show it in the output area."""
        self.draw(**self.values())
        self.output.clear_output(wait=True)
        with self.output:
            display(Image(data=self.png()))

    def png(self):
        """The figure as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=90)
        return buffer.getvalue()

    def _changed(self, _change):
        self.update()

    def _ipython_display_(self):
        display(self.widget)
