"""Analyze page: patterns across participants, as paper-ready figures and tables.

One choice of coder (the consensus coder, one coder, or all coders; in blind
mode only the current coder) and six tabs over :mod:`qualcode.analysis` and
:mod:`qualcode.viz`: frequencies, code × participant, code × attribute,
co-occurrence, saturation and the codebook. Under every figure sit the table
behind it and downloads of both (see :mod:`qualcode.ui.analyze_export`).

Figures are shown at their printed size (one column or the page width) with the
paper style, not Streamlit's theme, so what the researcher sees is what the
PNG/SVG/PDF will look like. The analyses are cached per project revision and
coder (:mod:`qualcode.ui.analyze_data`), and the tabs are lazy: only the open
tab computes and draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ... import analysis as A
from ... import viz as V
from ...viz.standard import network_min_count
from .. import analyze_data as D
from .. import nav, state
from ..analyze_export import DPI_CHOICES, downloads, file_stem
from ..widgets import md_escape

TITLE = "Analyze"
ICON = ":material/insights:"
ORDER = 50

K = "qc.analyze."
TABS = ("Frequencies", "Participants", "Attributes", "Co-occurrence", "Saturation", "Codebook")
WIDTHS = {"single": "One column (89 mm)", "double": "Page width (183 mm)"}
# Past this many groups a code × attribute chart is a wall of thin columns; the
# table still lists every group.
MAX_CHART_GROUPS = 30
_UNSET = object()

# Streamlit forgets a widget's value in any run that does not draw it, and with
# lazy tabs (and other pages) that is most runs: a base size set on the
# Saturation tab would be lost on a visit to Frequencies. So every setting is
# also remembered under SAVED, a plain session key Streamlit never clears, and
# handed back to its widget as the default when the widget is drawn anew.
# (Writing the widget keys themselves instead makes Streamlit resurrect stale
# values once a widget has been dropped.)
SAVED = f"{K}saved"


@dataclass(frozen=True)
class Ctx:
    """What every tab needs: the project, the cache key, the frames and the figure settings."""

    project: object
    key: D.StudyKey
    study: A.StudyFrames
    width: str
    dpi: int

    @property
    def coder(self) -> str | None:
        return self.key.coder

    @property
    def who(self) -> str:
        """Who coded, for captions (the same wording as the exported figure set)."""
        return f"coder {self.coder!r}" if self.coder else "all coders"

    def stem(self, name: str) -> str:
        return file_stem(name, self.coder)


def render() -> None:
    """Draw the page."""
    project = state.require_project()
    st.title("Analyze")
    coder, width, dpi = _controls(project)
    key = D.study_key(project, coder)
    study = D.study(project, key)
    if not _has_something_to_analyse(study, coder):
        return
    ctx = Ctx(project, key, study, width, dpi)
    _summary(ctx)
    tabs = st.tabs(list(TABS), key=f"{K}tab", on_change="rerun")
    for tab, draw in zip(tabs, _TAB_DRAWERS):
        # Lazy tabs: a hidden tab computes and sends nothing (``open`` is None only
        # if state tracking were off, in which case every tab draws).
        if tab.open is not False:
            with tab:
                draw(ctx)


# ------------------------------------------------------------ remembered widgets
def _value(key: str, default: object = None) -> object:
    """A widget's current value, or ``default`` when it has none."""
    try:
        return st.session_state[key]
    except KeyError:
        return default


def _saved(name: str, default: object) -> object:
    return st.session_state.get(SAVED, {}).get(name, default)


def _remember(name: str, value):
    st.session_state.setdefault(SAVED, {})[name] = value
    return value


def _choice(where, label: str, options: dict, name: str, *, default=None, radio: bool = True, **kw):
    """A radio (or selectbox) over ``options`` (value -> label) whose choice is remembered."""
    values = list(options)
    first = default if default in options else values[0]
    remembered = _saved(name, first)
    index = values.index(remembered) if remembered in options else values.index(first)
    current = _value(f"{K}{name}", _UNSET)
    if current is not _UNSET and current not in options:
        # A live widget holding a choice that no longer exists (a deleted coder,
        # another project's attribute): start it over.
        st.session_state[f"{K}{name}"] = values[index]
    widget = where.radio if radio else where.selectbox
    extra = {"horizontal": True} if radio else {}
    return _remember(name, widget(label, values, index=index, format_func=lambda v: options[v],
                                  key=f"{K}{name}", **extra, **kw))


def _toggle(where, label: str, name: str, *, default: bool = False, **kw) -> bool:
    return _remember(name, where.toggle(label, value=bool(_saved(name, default)), key=f"{K}{name}", **kw))


def _number(where, label: str, name: str, lo: int, hi: int, default: int, *, step: int = 1, **kw) -> int:
    """An integer input whose value is remembered and kept within ``lo..hi``: the
    bounds move with the data (fewer coded interviews than the base size chosen
    earlier), and Streamlit refuses a number_input whose value is out of range."""
    clamp = lambda v: min(max(int(v), lo), hi)  # noqa: E731
    current = _value(f"{K}{name}", _UNSET)
    if current is not _UNSET and clamp(current) != current:
        st.session_state[f"{K}{name}"] = clamp(current)
    value = where.number_input(label, min_value=lo, max_value=hi, value=clamp(_saved(name, default)), step=step,
                               key=f"{K}{name}", **kw)
    return _remember(name, int(value))


# ------------------------------------------------------------------ controls
def _controls(project) -> tuple[str | None, str, int]:
    """Coder, figure width and PNG resolution, in one row above the tabs."""
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    if state.blind_mode():
        # Blind mode promises a coder sees no one else's codings; aggregates of
        # other coders' work would break that promise as surely as their highlights.
        coder = state.require_coder()
        if coder not in project.coders():  # e.g. a coder remembered from another project
            st.info(f"No codings by **{md_escape(coder)}** in this project yet: code some transcripts on the "
                    "**Code** page and the analyses appear here.")
            st.stop()
        c1.selectbox("Codings of", [coder], disabled=True, key=f"{K}coder_blind",
                     help="Blind mode is on: the analyses use only your own codings.")
    else:
        coders = project.coders()
        options = {c: D.coder_label(c) for c in D.coder_options(coders)}
        choice = _choice(
            c1, "Codings of", options, "coder", default=D.default_coder(coders), radio=False,
            help="For findings use the consensus coder or one coder. With all coders, counts count every "
                 "coder's codings and a code is present where any coder applied it.",
        )
        coder = D.analysed_coder(choice)
    width = _choice(c2, "Figure width", WIDTHS, "width",
                    help="The printed width in a two-column paper. Heatmaps widen to the page width by "
                         "themselves when they need it.")
    dpi = _choice(c3, "PNG resolution", {d: f"{d} dpi" for d in DPI_CHOICES}, "dpi", default=300, radio=False,
                  help="300 dpi is what most journals ask for. For line art at any size, download SVG or PDF.")
    if state.blind_mode():
        st.caption("Blind mode: the analyses use only your own codings. Turn it off in the sidebar to see "
                   "the consensus or the whole team.")
    return coder, width, int(dpi)


def _has_something_to_analyse(study: A.StudyFrames, coder: str | None) -> bool:
    """Say what is missing (transcripts, codes, codings) instead of drawing empty charts."""
    if study.documents.empty:
        st.info("No transcripts yet: import some on the **Project** page, code them, and the analyses appear here.")
        return False
    if study.codes.empty or not study.codes["codable"].any():
        st.info("The codebook is empty: add codes on the **Codebook** page (or load a codebook on the "
                "**Project** page), then code some transcripts.")
        return False
    if study.codings.empty:
        who = f" by **{md_escape(coder)}**" if coder else ""
        hint = " Choose another coder above, or all coders." if coder and not state.blind_mode() else ""
        st.info(f"No codings{who} yet: code some transcripts on the **Code** page and the analyses "
                f"appear here.{hint}")
        page = nav.page("coding")
        if page is not None:
            st.page_link(page, label="Go to the Code page", icon=":material/edit_note:")
        return False
    return True


def _summary(ctx: Ctx) -> None:
    s = ctx.study
    coded = s.codings["document_id"].nunique()
    people = A.count_people(s.documents)
    used = s.codings["code_id"].nunique()
    unlinked = _unlinked(s.documents)
    st.caption(f"{len(s.codings)} codings by {md_escape(ctx.who)} with {used} codes, in {coded} of "
               f"{len(s.documents)} transcripts; {people} participants"
               + (f" ({unlinked} transcript(s) not linked to a participant are not counted as one)" if unlinked else "")
               + ".")


def _unlinked(documents: pd.DataFrame) -> int:
    """Transcripts not linked to a participant, when others are (they count as no one)."""
    if "linked" not in documents or not documents["linked"].any():
        return 0
    return int((~documents["linked"].astype(bool)).sum())


# ---------------------------------------------------------------- rendering
def _show(ctx: Ctx, name: str, fig: go.Figure | None, caption: str, table: pd.DataFrame, *,
          index: bool = False, column_config: dict | None = None, table_label: str = "Table (CSV)",
          csv: pd.DataFrame | None = None) -> None:
    """A figure at its printed size, its draft caption, the downloads, and the table behind it.

    The downloads come before the table, next to the figure they save: a table
    can be long. ``csv`` is what the CSV holds when it differs from the table shown."""
    _figure(ctx, name, fig, caption, table if csv is None else csv, index=index and csv is None,
            table_label=table_label)
    st.dataframe(table, hide_index=not index, width="stretch", column_config=column_config, key=f"{K}table.{name}")


def _figure(ctx: Ctx, name: str, fig: go.Figure | None, caption: str, csv: pd.DataFrame, *,
            index: bool = False, table_label: str = "Table (CSV)") -> None:
    if fig is not None:
        # theme=None: Streamlit's theme would restyle the figure, and the screen
        # should show what the exported file will look like.
        # No plotly toolbar: it sat over the column labels of the heatmaps, and the
        # buttons below download the figure at print quality.
        st.plotly_chart(fig, theme=None, width="content", key=f"{K}fig.{name}",
                        config={"displaylogo": False, "displayModeBar": False})
    st.caption(md_escape(caption))
    if fig is not None and isinstance(fig.layout.meta, dict) and fig.layout.meta.get("widened"):
        st.caption("Too many codes to read at one-column width: this figure is drawn at page width.")
    downloads(key=f"{K}dl.{name}", stem=ctx.stem(name), table=csv, fig=fig, dpi=ctx.dpi, index=index,
              table_label=table_label)


PERCENT = st.column_config.NumberColumn(format="percent")
LEVELS = {"code": "Codes", "theme": "Themes"}
MEASURES = {"participants": "Participants", "codings": "Codings"}


# -------------------------------------------------------------- frequencies
def _frequencies(ctx: Ctx) -> None:
    c1, c2, c3 = st.columns(3, vertical_alignment="bottom")
    level = _choice(c1, "Level", LEVELS, "freq.level")
    measure = _choice(c2, "Count", MEASURES, "freq.measure",
                      help="Participants: how many people's interviews hold the code. Codings: how often it was applied.")
    n = A.count_people(ctx.study.documents)  # people, not transcripts: an unlinked one is no one
    what = f"Participants (of {n}) whose interviews contain" if measure == "participants" else "Codings of"
    if level == "theme":
        themes = D.theme_frequencies(ctx.project, ctx.key)
        fig = V.theme_bar_chart(themes, ctx.study.codes, measure=measure, width=ctx.width)
        table = themes[["theme", "participants", "share", "codings", "documents", "codes_used", "codes_total"]]
        caption = f"{what} each theme (a coding counts once toward its theme); {ctx.who}."
        _show(ctx, "themes", fig, caption, table, column_config={"share": PERCENT})
        return
    with_empty = _toggle(c3, "Include codes nobody applied", "freq.empty")
    freq = D.code_frequencies(ctx.project, ctx.key, include_empty=with_empty)
    fig = V.code_bar_chart(freq, ctx.study.codes, measure=measure, width=ctx.width)
    table = freq[["label", "theme", "participants", "share", "codings", "documents"]].rename(columns={"label": "code"})
    caption = f"{what} each code, grouped and coloured by theme; {ctx.who}."
    _show(ctx, "codes", fig, caption, table, column_config={"share": PERCENT})


# -------------------------------------------------------------- participants
def _participants(ctx: Ctx) -> None:
    c1, c2, c3 = st.columns(3, vertical_alignment="bottom")
    cells = _choice(c1, "Cells", {"presence": "Present / absent", "counts": "Number of codings"}, "part.cells")
    level = _choice(c2, "Rows", LEVELS, "part.level")
    with_empty = _toggle(c3, "Include codes nobody applied", "part.empty")
    presence = cells == "presence"
    matrix = D.participant_matrix(ctx.project, ctx.key, presence, level, with_empty)
    fig = V.participant_heatmap(matrix, presence=presence)
    rows = "Codes" if level == "code" else "Themes"
    if presence:
        how = " (present when any coder applied it)" if ctx.coder is None else ""
        caption = f"{rows} (rows) present in each participant's interviews (columns), in interview order; {ctx.who}{how}."
    else:
        caption = f"Codings of each {level} (rows) in each participant's interviews (columns), in interview order; {ctx.who}."
    _show(ctx, f"{level}_participant", fig, caption, matrix, index=True)


# ---------------------------------------------------------------- attributes
def _attributes(ctx: Ctx) -> None:
    attributes, chartable = D.attribute_choices(ctx.project, ctx.key)
    if not attributes:
        st.info("No participant attributes yet. Import a participants table (pseudonym plus e.g. country, "
                "age band, chatbot used) on the **Project** page to compare groups of participants.")
        return
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    attr = _choice(c1, "Attribute", {a: a for a in attributes}, "attr.name", radio=False,
                   default=next(iter(chartable), attributes[0]))
    with_empty = _toggle(c2, "Include codes nobody applied", "attr.empty")
    sep = chartable[attr] if attr in chartable else D.attribute_separator(ctx.study.participants[attr])
    table, sizes = D.attribute_table(ctx.project, ctx.key, attr, sep)
    if not with_empty:
        used = D.code_frequencies(ctx.project, ctx.key, include_empty=False)["code_id"]
        table = table[table["code_id"].isin(used)]
    if attr not in chartable:
        st.caption(f"{md_escape(attr)} is not a grouping the standard figure set charts (it has {len(sizes)} "
                   "groups, as many as participants, or numeric values); consider grouping its values first.")
    fig = None
    if table.empty:
        st.info("No codes to show.")
        return
    if len(sizes) <= MAX_CHART_GROUPS:
        fig = V.code_attribute_chart(table, attribute=attr)
    else:
        st.warning(f"{len(sizes)} groups are too many to chart; the table lists them all.")
    header = {v: f"{v} (n={int(n)})" for v, n in sizes.items()}
    wide = (table.pivot(index="label", columns="value", values="summary")
            .reindex(index=list(dict.fromkeys(table["label"])), columns=list(sizes.index))
            .rename(columns=header))
    wide.index.name, wide.columns.name = "code", None
    split = " A participant with several values counts in each of their groups." if sep else ""
    caption = (f"Share of participants in each {attr} group with each code; cells give participants with the "
               f"code / group size; {ctx.who}.{split}")
    _show(ctx, f"attribute_{_slug(attr)}", fig, caption, wide, index=True, csv=table.drop(columns=["code_id"]),
          table_label="Table (CSV, one row per code × group)")


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text.lower()).strip("_") or "attribute"


# -------------------------------------------------------------- co-occurrence
def _cooccurrence(ctx: Ctx) -> None:
    c1, c2, c3 = st.columns(3, vertical_alignment="bottom")
    # Transcripts imported without turns have no "same turn": start with overlaps there.
    unit = _choice(c1, "Together when", {"segment": "In the same turn", "overlap": "Spans overlap"}, "co.unit",
                   default="segment" if not ctx.study.segments.empty else "overlap",
                   help="Same turn: both codes touch one speaker turn. Spans overlap: the coded passages "
                        "share at least one character.")
    view = _choice(c2, "Show", {"heatmap": "Heatmap", "network": "Network"}, "co.view")
    measure = _choice(c3, "Measure", {"jaccard": "Jaccard index", "count": "Count"}, "co.measure",
                      help="Count: units holding both codes. Jaccard: that count / units holding either "
                           "(ATLAS.ti's c-coefficient); 0 never together, 1 always.")
    co = D.cooccurrence(ctx.project, ctx.key, unit)
    if unit == "segment" and co.unplaced:
        st.caption(f"{co.unplaced} coding(s) touch no speaker turn (transcripts imported without turns) and are "
                   "left out; choose *Spans overlap* to include them.")
    pairs = co.pairs()
    where = "the same speaker turn" if unit == "segment" else "overlapping passages"
    if pairs.empty:
        st.info(f"No two codes occur together in {where} yet.")
        return
    if view == "heatmap":
        fig = V.cooccurrence_heatmap(co, measure=measure, width=ctx.width)
        name = "cooccurrence"
        caption = (f"{'Jaccard index' if measure == 'jaccard' else 'Number'} of code co-occurrence within {where}"
                   + (" (units holding both codes / units holding either)" if measure == "jaccard" else "")
                   + f"; {ctx.who}.")
    else:
        top = int(pairs["count"].max())
        # The default keeps the network to about two edges per code, as in the exported set.
        min_count = _number(st.columns(3)[0], "Draw pairs co-occurring in at least (units)", "co.min", 1, top,
                            network_min_count(co))
        fig = V.cooccurrence_network(co, ctx.study.codes, measure=measure, min_count=int(min_count), width=ctx.width)
        name = "cooccurrence_network"
        drawn = f"pairs co-occurring in at least {min_count} units" if min_count > 1 else "every co-occurring pair"
        caption = (f"Codes that co-occur within {where} ({drawn}); node area ∝ units holding the code, edge width ∝ "
                   f"{'Jaccard index' if measure == 'jaccard' else 'count'}; {ctx.who}.")
    table = pairs.rename(columns={"code_a": "code", "code_b": "with code", "count": "units with both"})
    _show(ctx, name, fig, caption, table, column_config={"jaccard": st.column_config.NumberColumn(format="%.3f")})


# ---------------------------------------------------------------- saturation
def _saturation(ctx: Ctx) -> None:
    per = D.per_interview(ctx.project, ctx.key)
    n = len(per)
    if n < 2:
        st.info(f"Saturation needs at least two coded interviews; {n} {'is' if n == 1 else 'are'} coded so far "
                f"by {md_escape(ctx.who)}.")
        return
    c1, c2, c3, c4, c5 = st.columns(5, vertical_alignment="bottom")
    base = _number(c1, "Base size", "sat.base", 1, n, 4,
                   help="The first interviews, whose distinct codes form the denominator.")
    run = _number(c2, "Run length", "sat.run", 1, n, 2,
                  help="The interviews after a point whose new codes are counted.")
    pct = _number(c3, "Threshold (%)", "sat.threshold", 0, 99, 5,
                  help="Saturation: the first run adding at most this share of the base in new codes "
                       "(Guest et al. discuss ≤5% and 0%).")
    orders = _number(c4, "Random orders", "sat.orders", 10, 5000, 500, step=100,
                     help="Interview orders drawn for the band; report them with the seed.")
    seed = _number(c5, "Seed", "sat.seed", 0, 2**31 - 1, 0)
    sat = D.saturation(ctx.project, ctx.key, base, run, pct / 100, orders, seed)
    fig = V.saturation_curve(sat.per, band=sat.band, guest=sat.guest, width=ctx.width)
    lo, hi = sat.band.percentiles
    caption = (f"Distinct codes after each interview in interview order (line), new codes per interview (bars), "
               f"and the {lo:g}–{hi:g}th percentile band and median over {orders} random orders (seed {seed}); {ctx.who}.")
    table = sat.per.assign(new=sat.per["new"].map(", ".join))[
        ["interview", "document", "participant", "n_codes", "new_codes", "cumulative", "new"]
    ].rename(columns={"n_codes": "codes", "new_codes": "new codes", "new": "new codes (names)"})
    # The methods sentence is the result: right under the figure, before the tables.
    _figure(ctx, "saturation", fig, caption, table)
    _methods_sentence(sat, base, run, orders, seed, n)
    st.markdown("**Codes per interview** (in interview order; interviews with no codings are left out)")
    st.dataframe(table, hide_index=True, width="stretch", key=f"{K}table.saturation")
    _guest_runs(ctx, sat)


def _methods_sentence(sat: D.Saturation, base: int, run: int, orders: int, seed: int, n: int) -> None:
    """The Guest et al. (2020) result in words, ready to paste into a methods section."""
    st.subheader("Guest et al. (2020) new-information ratio", divider="gray")
    if sat.guest is None:
        st.warning(f"The base needs {base} coded interviews and {n} are coded: lower the base size or code "
                   "more interviews.")
        return
    guest = sat.guest
    text = guest.sentence()
    if guest.runs.empty:
        runs = f"{run} interview{'s' if run != 1 else ''}"
        text = (f"Saturation cannot be assessed yet: a run of {runs} after the base of {base} needs "
                f"{base + run} coded interviews, and {n} are coded.")
    elif sat.band.n_orderings:
        points = sat.band.points.dropna()
        text += (f" Over {orders} random interview orders (seed {seed}), saturation was reached in "
                 f"{sat.band.reached:.0%} of them")
        text += f" (median: after {points.median():g} interviews)." if len(points) else "."
    # st.code: a copy button, and the sentence is copied exactly as shown.
    st.code(text, language=None, wrap_lines=True)
    st.caption("Guest, G., Namey, E., & Chen, M. (2020). A simple method to assess and report thematic saturation "
               "in qualitative research. PLOS ONE, 15(5), e0232076. https://doi.org/10.1371/journal.pone.0232076")


def _guest_runs(ctx: Ctx, sat: D.Saturation) -> None:
    """Every run the Guest et al. method evaluated, below the per-interview table."""
    guest = sat.guest
    if guest is not None and not guest.runs.empty:
        runs = guest.runs.rename(columns={"after": "after interviews", "new_codes": "new codes",
                                          "base_codes": "codes in base"})
        st.markdown("**Runs evaluated** (new codes in each run / codes in the base)")
        st.dataframe(runs, hide_index=True, width="stretch", key=f"{K}table.guest_runs",
                     column_config={"ratio": PERCENT})
        st.download_button("Runs (CSV)", data=lambda: runs.to_csv(index=False).encode("utf-8"),
                           file_name=f"{ctx.stem('guest_runs')}.csv", mime="text/csv", key=f"{K}dl.guest_runs.csv",
                           on_click="ignore", icon=":material/table:")


# ------------------------------------------------------------------ codebook
def _codebook(ctx: Ctx) -> None:
    c1, c2 = st.columns(2, vertical_alignment="bottom")
    kind = _choice(c1, "Chart", {"sunburst": "Sunburst", "treemap": "Treemap"}, "book.kind")
    measure = _choice(c2, "Sized by", {"codings": "Codings", "participants": "Participants"}, "book.measure")
    freq = D.code_frequencies(ctx.project, ctx.key, include_empty=True)
    fig = V.codebook_chart(freq, ctx.study.codes, kind=kind, measure=measure, width=ctx.width)
    caption = (f"The codebook as a {kind}, each code's area proportional to its number of {measure} (labels that "
               f"do not fit are hidden); {ctx.who}.")
    table = freq.assign(code=["\u2003" * int(d) + str(c) for d, c in zip(freq["depth"], freq["code"])])[
        ["code", "theme", "codings", "participants", "share"]
    ]
    _show(ctx, f"codebook_{kind}", fig, caption, table, column_config={"share": PERCENT},
          csv=freq[["label", "theme", "parent", "depth", "codings", "participants", "share"]])


_TAB_DRAWERS: tuple[Callable[[Ctx], None], ...] = (
    _frequencies, _participants, _attributes, _cooccurrence, _saturation, _codebook,
)
