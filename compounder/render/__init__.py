"""Drawing: fonts, text fitting, pagination and the PDF renderers.

The only layer that imports reportlab. A renderer takes finished content and a layout and
draws; it never computes a dose or writes a sentence.
"""
