"""The Streamlit user interface: the only part of qualcode that imports streamlit.

Pages are thin: they read from and write to the library (``qualcode.store`` and
friends) and keep only UI state in ``st.session_state``.
"""
