"""Tests of course.derivation: how a learner's derivation steps are parsed, checked and scored."""
