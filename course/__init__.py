"""Helpers for the matrix calculus course: finite differences, gradient checks and diagnoses.

Learners import this package in every notebook; the nbgrader test cells use :mod:`course.grading`.
"""
from course.checks import (
    CheckResult,
    GradientCheckError,
    assert_gradient,
    assert_jacobian,
    check_gradient,
    check_jacobian,
)
from course.compare import relative_error
from course.diagnosis import diagnose
from course.numerical import directional_derivative, numerical_gradient, numerical_jacobian

__all__ = [
    "CheckResult",
    "GradientCheckError",
    "assert_gradient",
    "assert_jacobian",
    "check_gradient",
    "check_jacobian",
    "diagnose",
    "directional_derivative",
    "numerical_gradient",
    "numerical_jacobian",
    "relative_error",
]
