"""The databases a log can live in: ``base`` (what every backend does, and the table
that picks one from the log's location), ``sqlite`` and ``postgres``."""
