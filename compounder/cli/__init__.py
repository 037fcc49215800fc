"""The ``compounder`` command: options, one module per group of commands, and the app."""
