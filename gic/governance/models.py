"""Tables of the governance area."""
