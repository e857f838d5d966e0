"""The HTML a learner reads: feedback pages (hidden tests cut out, a summary on top, math typeset
offline) and the templates they and the workshop's slides share."""
