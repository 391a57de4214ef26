"""Tables of the equipment area."""
