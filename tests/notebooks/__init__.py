"""Tests of the notebooks (source/, release/): the formulas they state, their test cells on fresh draws, release in sync, Lab."""
