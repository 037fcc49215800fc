"""Finished, checked text: label, chart and record content, ISMP gate, terminal reports.

Content turns the engine's values and ids into words (``core.wording``) and checks them;
it never draws.
"""
