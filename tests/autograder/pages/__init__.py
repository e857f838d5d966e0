"""Tests of autograder.pages: feedback pages hide the hidden tests, name each exercise, escape learner text, typeset offline."""
