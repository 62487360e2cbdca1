"""qualcode in the browser: ``streamlit run app.py`` (``make run`` does it for you).

A thin entry point; the pages live in ``qualcode/ui``.
"""

from qualcode.ui.app import main

main()
