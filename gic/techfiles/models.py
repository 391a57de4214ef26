"""Tables of the techfiles area."""
