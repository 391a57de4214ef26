"""Trust tests (issue 5): who may call what, tampering, hostile input."""
