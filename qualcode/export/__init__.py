"""Writing a study out of qualcode: figures, tables, reports and exchange files.

Each format lives in its own module (``qualcode.export.figures`` for PNG/SVG/PDF
figures); import the module you need, this package imports nothing eagerly.
"""
