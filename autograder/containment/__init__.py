"""Where learner code runs: private views (Linux namespaces), the contained kernel, the sandbox of
the independent check and the verdicts judged outside it.

Kept light: the launchers of learner code import this package on every start.
"""
