"""Custom Streamlit components (components v2: inline HTML/JS/CSS, no npm build)."""
