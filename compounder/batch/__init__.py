"""Batch runs over an order file: reading it, checking each order, drawing chunks,
and the run's outputs."""
