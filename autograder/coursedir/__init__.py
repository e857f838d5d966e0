"""The course directory and nbgrader's view of it: paths, notebook cells, nbgrader's command line
and gradebook, private workspaces. Everything here is read by the grading stages; none of it grades."""
