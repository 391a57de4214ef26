"""Tables of the secondments area."""
