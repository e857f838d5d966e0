"""Tests of course.figures: every explorer's controls redraw it, and what it draws is right."""
