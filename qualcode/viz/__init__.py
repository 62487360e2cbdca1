"""Paper-ready figures of a coded study (plotly ``go.Figure``, no file I/O).

All figures share one restrained style (:mod:`qualcode.viz.style`): white
background, Arial-like type at 8–9 pt printed size, the Okabe–Ito colour-blind-safe
palette (codebook colours win), no titles unless asked, and a printed size of one
column (89 mm) or the page width (183 mm). Write them to PNG/SVG/PDF with
:mod:`qualcode.export.figures`.
"""

from .charts import (
    code_attribute_chart,
    code_bar_chart,
    codebook_chart,
    cooccurrence_heatmap,
    participant_heatmap,
    theme_bar_chart,
)
from .network import cooccurrence_network
from .saturation import saturation_curve
from .standard import FigureSpec, chartable_attributes, standard_figures
from .themes import theme_map
from .style import (
    CATEGORICAL,
    COLUMN_WIDTHS_MM,
    FONT_FAMILY,
    OKABE_ITO,
    SEQUENTIAL,
    apply_paper_style,
    code_colours,
    paper_template,
    theme_colours,
    width_inches,
)

__all__ = [
    "apply_paper_style",
    "paper_template",
    "width_inches",
    "theme_colours",
    "code_colours",
    "OKABE_ITO",
    "CATEGORICAL",
    "SEQUENTIAL",
    "FONT_FAMILY",
    "COLUMN_WIDTHS_MM",
    "code_bar_chart",
    "theme_bar_chart",
    "participant_heatmap",
    "cooccurrence_heatmap",
    "cooccurrence_network",
    "saturation_curve",
    "code_attribute_chart",
    "codebook_chart",
    "theme_map",
    "FigureSpec",
    "standard_figures",
    "chartable_attributes",
]
