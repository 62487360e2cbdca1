"""One place that makes user text safe to show in the app.

Code and theme names, pseudonyms, document and account names, memos and snippets are
typed or imported by people; shown unescaped, ``![x](http://tracker/t)`` in a code
name makes every visitor's browser fetch a tracker image, and ``[x](javascript:...)``
becomes a link. Streamlit renders Markdown in ``st.markdown``, captions, alerts, and
also in widget labels, expander titles, tab names and ``help=`` tooltips, so every one
of those gets :func:`md`. HTML built by hand (the transcript component) gets :func:`html`.
Plotly titles, tick labels and hover text are escaped in :mod:`qualcode.viz` (the core
library, which cannot import this package).
"""

from __future__ import annotations

import html as _html
import re

__all__ = ["md", "html", "label"]

# Every character Markdown (CommonMark + GFM + Streamlit's extensions: :emoji:,
# :color[...], $math$) gives a meaning, plus < and > (raw HTML) and : (autolinks
# like http://... and ``:material/icon:`` shortcodes).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'])")


# GFM turns bare URLs and e-mail addresses into links AFTER escapes are resolved (a
# pass over the parsed text), so a backslash cannot stop it: a zero-width space after
# "://", inside "www." and before "@" does, and reads the same.
_AUTOLINK = (("://", ":\u200b//"), ("www.", "www\u200b."), ("WWW.", "WWW\u200b."), ("@", "\u200b@"))


def md(text: object) -> str:
    """``text`` shown literally in any place Streamlit renders Markdown: no links
    (bracketed or bare URLs), images, HTML, emphasis, maths or shortcodes. Newlines
    become spaces (a line break could start a heading or a list)."""
    s = "" if text is None else str(text)
    s = s.replace("\r", " ").replace("\n", " ")
    for plain, broken in _AUTOLINK:
        s = s.replace(plain, broken)
    return _MD_SPECIAL.sub(r"\\\1", s)


def label(text: object) -> str:
    """Same as :func:`md`, for widget labels, expander titles, tab names and tooltips
    (Streamlit renders a Markdown subset there, images included)."""
    return md(text)


def html(text: object) -> str:
    """``text`` escaped for HTML element content and quoted attribute values."""
    return _html.escape("" if text is None else str(text), quote=True)
