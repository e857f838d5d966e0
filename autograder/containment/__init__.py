"""Where learner code runs: private views (Linux namespaces), the contained kernel, the sandbox of
the independent check and the verdicts judged outside it.

Kept light: the sandbox imports this package inside its private view, where only the files
:data:`~autograder.containment.isolation.SANDBOX` lists exist.
"""
