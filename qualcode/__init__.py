"""qualcode: a local-first qualitative analysis workbench.

The library never imports streamlit; ``qualcode.ui`` is the only part that does.
"""

__version__ = "0.1.0"
