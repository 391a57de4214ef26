"""Tables of the trainings area."""
