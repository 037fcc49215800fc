"""Rules and data: units, dates, data files, protocols, syringes, titration, strengths,
sources, vehicles, BUD, preparation, fills, lots, stocks, settings, wording catalogues.

The engine returns values and ids, never display text; it imports only ``errors``.
"""
