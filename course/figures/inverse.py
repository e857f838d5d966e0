"""How well d(X⁻¹) = −X⁻¹ dX X⁻¹ predicts the true change of the inverse as the perturbation shrinks.

The left panel is a log-log plot of the error of two first-order predictions of
``(X + εV)⁻¹ − X⁻¹`` against ε: the right one, ``−ε X⁻¹VX⁻¹``, whose error falls like ε², and
the tempting wrong one, ``−ε X⁻¹X⁻¹V``, whose error falls only like ε. The right panel compares,
entry by entry, the true change at the chosen ε with both predictions.
"""
import ipywidgets as widgets
import numpy as np

from course.interactive import InteractiveFigure

EPSILONS = np.logspace(-6, 0, 25)


def perturbed_inverse_errors(X, V, epsilons):
    """Norms of the true change of the inverse and the errors of the right and the wrong prediction.

    Parameters
    ----------
    X : ndarray, shape (n, n)
        An invertible matrix.
    V : ndarray, shape (n, n)
        The direction of the perturbation ``dX = εV``.
    epsilons : array_like
        Perturbation sizes ε.

    Returns
    -------
    change, right, wrong : ndarray
        ``‖(X+εV)⁻¹ − X⁻¹‖``, ``‖… − (−ε X⁻¹VX⁻¹)‖`` and ``‖… − (−ε X⁻¹X⁻¹V)‖`` (Frobenius) for each ε.
    """
    inverse = np.linalg.inv(X)
    right_slope = -inverse @ V @ inverse
    wrong_slope = -inverse @ inverse @ V
    change, right, wrong = [], [], []
    for epsilon in np.asarray(epsilons, dtype=float):
        true_change = np.linalg.inv(X + epsilon * V) - inverse
        change.append(np.linalg.norm(true_change))
        right.append(np.linalg.norm(true_change - epsilon * right_slope))
        wrong.append(np.linalg.norm(true_change - epsilon * wrong_slope))
    return np.array(change), np.array(right), np.array(wrong)


def random_problem(size, seed):
    """A well-conditioned random ``X`` (non-symmetric) and a unit-norm direction ``V``."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((size, size)) + size * np.eye(size)
    V = rng.standard_normal((size, size))
    return X, V / np.linalg.norm(V)


class InverseExplorer(InteractiveFigure):
    """Sliders for ε, the matrix size and the random seed; the plots show both predictions' errors."""

    def __init__(self):
        controls = {
            "epsilon": widgets.FloatLogSlider(value=1e-2, base=10, min=-6, max=0, step=0.25, description="ε"),
            "size": widgets.IntSlider(value=3, min=2, max=6, description="n"),
            "seed": widgets.IntSlider(value=0, min=0, max=20, description="seed"),
        }
        super().__init__(controls, figsize=(10, 4))

    def draw(self, epsilon, size, seed):
        """Redraw both panels for perturbation size ``epsilon`` of a random ``size``×``size`` problem."""
        X, V = random_problem(size, seed)
        change, right, wrong = perturbed_inverse_errors(X, V, EPSILONS)
        self.figure.clear()
        errors, entries = self.figure.subplots(1, 2)

        errors.loglog(EPSILONS, right, "o-", color="C0", label=r"right: $-X^{-1}\,dX\,X^{-1}$")
        errors.loglog(EPSILONS, wrong, "s-", color="C3", label=r"wrong: $-X^{-1}X^{-1}\,dX$")
        errors.loglog(EPSILONS, change, ":", color="gray", label=r"size of the true change")
        for error, power, colour in ((right, 2, "C0"), (wrong, 1, "C3")):
            reference = 0.1 * error[-1] * EPSILONS**power  # a guide line below the data
            errors.loglog(EPSILONS, reference, "--", color=colour, alpha=0.5, label=rf"slope {power}")
        errors.axvline(epsilon, color="black", linewidth=0.8)
        errors.set_xlabel(r"perturbation size $\varepsilon$ ($dX = \varepsilon V$, $\|V\| = 1$)")
        errors.set_ylabel(r"$\|(X+dX)^{-1} - X^{-1} - \mathrm{prediction}\|$")
        errors.set_title("error of the first-order prediction")
        errors.legend(fontsize=8, loc="upper left")

        inverse = np.linalg.inv(X)
        true_change = np.linalg.inv(X + epsilon * V) - inverse
        right_prediction = -epsilon * inverse @ V @ inverse
        wrong_prediction = -epsilon * inverse @ inverse @ V
        scale = max(np.abs(true_change).max(), np.abs(wrong_prediction).max()) * 1.1
        entries.plot([-scale, scale], [-scale, scale], color="gray", linewidth=0.8)
        entries.plot(true_change.ravel(), right_prediction.ravel(), "o", color="C0", label="right prediction")
        entries.plot(true_change.ravel(), wrong_prediction.ravel(), "s", color="C3", label="wrong prediction")
        entries.set_xlim(-scale, scale)
        entries.set_ylim(-scale, scale)
        entries.set_aspect("equal")
        entries.set_xlabel(r"true change of each entry of $X^{-1}$")
        entries.set_ylabel("predicted change")
        entries.set_title(rf"entries at $\varepsilon$ = {epsilon:.2g} (on the line = exact)")
        entries.legend(fontsize=8, loc="upper left")
