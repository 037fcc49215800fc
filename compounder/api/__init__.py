"""The functions scripts call, re-exported from ``compounder``: planning, dispensing
(labels and charts) and recording (compounding records and reprints)."""
