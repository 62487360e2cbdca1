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
from ...viz.standard import _network_min_count
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

# The page's settings are widget keys in these groups (qc.analyze.<group>...).
# Streamlit forgets a widget's value in any run that does not draw it, and with
# lazy tabs (and other pages) that is most runs: a base size set on the
# Saturation tab would be lost on a visit to Frequencies. So the values are also
# kept under SAVED, a plain session key Streamlit never clears, and put back
# before the widgets are drawn.
SETTING_GROUPS = frozenset({"coder", "width", "dpi", "tab", "freq", "part", "attr", "co", "sat", "book"})
SAVED = f"{K}saved"
# Defaults given through session state rather than the widgets' ``value=``:
# a widget given both warns ("default value but also set via Session State").
DEFAULTS = {
    f"{K}width": "single", f"{K}dpi": 300,
    f"{K}sat.base": 4, f"{K}sat.run": 2, f"{K}sat.threshold": 5, f"{K}sat.orders": 500, f"{K}sat.seed": 0,
}


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
    _restore_settings()
    try:
        _render(project)
    finally:  # also when a run stops early (st.stop, st.rerun)
        _save_settings()


def _is_setting(key: object) -> bool:
    return isinstance(key, str) and key.startswith(K) and key[len(K):].split(".")[0] in SETTING_GROUPS


def _value(key: str, default: object = None) -> object:
    """A session value, or ``default``. Not ``key in st.session_state``: after
    Streamlit drops an undrawn widget's value its key can still test as present."""
    try:
        return st.session_state[key]
    except KeyError:
        return default


def _restore_settings() -> None:
    for key, value in {**DEFAULTS, **st.session_state.get(SAVED, {})}.items():
        if _value(key, _UNSET) is _UNSET:
            st.session_state[key] = value


def _save_settings() -> None:
    saved = st.session_state.setdefault(SAVED, {})
    for key in list(st.session_state.keys()):
        if _is_setting(key) and (value := _value(key, _UNSET)) is not _UNSET:
            saved[key] = value


def _render(project) -> None:
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


# ------------------------------------------------------------------ controls
def _controls(project) -> tuple[str | None, str, int]:
    """Coder, figure width and PNG resolution, in one row above the tabs."""
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    if state.blind_mode():
        # Blind mode promises a coder sees no one else's codings; aggregates of
        # other coders' work would break that promise as surely as their highlights.
        coder = state.require_coder()
        c1.selectbox("Codings of", [coder], disabled=True, key=f"{K}coder_blind",
                     help="Blind mode is on: the analyses use only your own codings.")
    else:
        coders = project.coders()
        options = D.coder_options(coders)
        # A remembered choice may name a coder that no longer exists (or another project's).
        if _value(f"{K}coder", _UNSET) not in options:
            st.session_state[f"{K}coder"] = D.default_coder(coders)
        choice = c1.selectbox(
            "Codings of", options, format_func=D.coder_label, key=f"{K}coder",
            help="For findings use the consensus coder or one coder. With all coders, counts count every "
                 "coder's codings and a code is present where any coder applied it.",
        )
        coder = D.analysed_coder(choice)
    width = c2.radio("Figure width", list(WIDTHS), format_func=WIDTHS.get, horizontal=True, key=f"{K}width",
                     help="The printed width in a two-column paper. Heatmaps widen to the page width by "
                          "themselves when they need it.")
    dpi = c3.selectbox("PNG resolution", DPI_CHOICES, format_func=lambda d: f"{d} dpi",
                       key=f"{K}dpi", help="300 dpi is what most journals ask for; line art may want 600 or more.")
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
    people = s.documents["participant"].nunique()
    used = s.codings["code_id"].nunique()
    st.caption(f"{len(s.codings)} codings by {md_escape(ctx.who)} with {used} codes, in {coded} of "
               f"{len(s.documents)} transcripts; {people} participants.")


# ---------------------------------------------------------------- rendering
def _show(ctx: Ctx, name: str, fig: go.Figure | None, caption: str, table: pd.DataFrame, *,
          index: bool = False, column_config: dict | None = None, table_label: str = "Table (CSV)",
          csv: pd.DataFrame | None = None) -> None:
    """A figure at its printed size, its draft caption, the table behind it, and the downloads."""
    if fig is not None:
        # theme=None: Streamlit's theme would restyle the figure, and the screen
        # should show what the exported file will look like.
        st.plotly_chart(fig, theme=None, width="content", key=f"{K}fig.{name}",
                        config={"displaylogo": False, "toImageButtonOptions": {"filename": ctx.stem(name)}})
    st.caption(md_escape(caption))
    st.dataframe(table, hide_index=not index, width="stretch", column_config=column_config, key=f"{K}table.{name}")
    downloads(key=f"{K}dl.{name}", stem=ctx.stem(name), table=table if csv is None else csv, fig=fig,
              dpi=ctx.dpi, index=index and csv is None, table_label=table_label)


def _clamp(key: str, lo: int, hi: int, default: int) -> None:
    """Give a number setting ``default`` when it has none, and keep it within bounds
    that move with the data (e.g. fewer coded interviews than the base size chosen
    earlier): Streamlit refuses a number_input whose value is out of range."""
    value = int(_value(key, default))
    st.session_state[key] = min(max(value, lo), hi)


PERCENT = st.column_config.NumberColumn(format="percent")


# -------------------------------------------------------------- frequencies
def _frequencies(ctx: Ctx) -> None:
    c1, c2, c3 = st.columns(3, vertical_alignment="bottom")
    level = c1.radio("Level", ["code", "theme"], format_func={"code": "Codes", "theme": "Themes"}.get,
                     horizontal=True, key=f"{K}freq.level")
    measure = c2.radio("Count", ["participants", "codings"], horizontal=True, key=f"{K}freq.measure",
                       format_func={"participants": "Participants", "codings": "Codings"}.get,
                       help="Participants: how many people's interviews hold the code. Codings: how often it was applied.")
    n = ctx.study.documents["participant"].nunique()
    what = f"Participants (of {n}) whose interviews contain" if measure == "participants" else "Codings of"
    if level == "theme":
        themes = D.theme_frequencies(ctx.project, ctx.key)
        fig = V.theme_bar_chart(themes, ctx.study.codes, measure=measure, width=ctx.width)
        table = themes[["theme", "participants", "share", "codings", "documents", "codes_used", "codes_total"]]
        caption = f"{what} each theme (a coding counts once toward its theme); {ctx.who}."
        _show(ctx, "themes", fig, caption, table, column_config={"share": PERCENT})
        return
    with_empty = c3.toggle("Include codes nobody applied", key=f"{K}freq.empty")
    freq = D.code_frequencies(ctx.project, ctx.key, include_empty=with_empty)
    fig = V.code_bar_chart(freq, ctx.study.codes, measure=measure, width=ctx.width)
    table = freq[["label", "theme", "participants", "share", "codings", "documents"]].rename(columns={"label": "code"})
    caption = f"{what} each code, grouped and coloured by theme; {ctx.who}."
    _show(ctx, "codes", fig, caption, table, column_config={"share": PERCENT})


# -------------------------------------------------------------- participants
def _participants(ctx: Ctx) -> None:
    c1, c2, c3 = st.columns(3, vertical_alignment="bottom")
    cells = c1.radio("Cells", ["presence", "counts"], horizontal=True, key=f"{K}part.cells",
                     format_func={"presence": "Present / absent", "counts": "Number of codings"}.get)
    level = c2.radio("Rows", ["code", "theme"], format_func={"code": "Codes", "theme": "Themes"}.get,
                     horizontal=True, key=f"{K}part.level")
    with_empty = c3.toggle("Include codes nobody applied", key=f"{K}part.empty")
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
    preferred = next(iter(chartable), attributes[0])
    if _value(f"{K}attr.name", _UNSET) not in attributes:
        st.session_state[f"{K}attr.name"] = preferred
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    attr = c1.selectbox("Attribute", attributes, key=f"{K}attr.name")
    with_empty = c2.toggle("Include codes nobody applied", key=f"{K}attr.empty")
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
    has_turns = not ctx.study.segments.empty
    if _value(f"{K}co.unit", _UNSET) not in ("segment", "overlap"):
        # Documents imported without turns have no "same turn": start with overlaps there.
        st.session_state[f"{K}co.unit"] = "segment" if has_turns else "overlap"
    c1, c2, c3 = st.columns(3, vertical_alignment="bottom")
    unit = c1.radio("Together when", ["segment", "overlap"], horizontal=True, key=f"{K}co.unit",
                    format_func={"segment": "In the same turn", "overlap": "Spans overlap"}.get,
                    help="Same turn: both codes touch one speaker turn. Spans overlap: the coded passages "
                         "share at least one character.")
    view = c2.radio("Show", ["heatmap", "network"], horizontal=True, key=f"{K}co.view",
                    format_func={"heatmap": "Heatmap", "network": "Network"}.get)
    measure = c3.radio("Measure", ["jaccard", "count"], horizontal=True, key=f"{K}co.measure",
                       format_func={"jaccard": "Jaccard index", "count": "Count"}.get,
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
        fig = V.cooccurrence_heatmap(co, measure=measure)
        name = "cooccurrence"
        caption = (f"{'Jaccard index' if measure == 'jaccard' else 'Number'} of code co-occurrence within {where}"
                   + (" (units holding both codes / units holding either)" if measure == "jaccard" else "")
                   + f"; {ctx.who}.")
    else:
        top = int(pairs["count"].max())
        # The default keeps the network to about two edges per code, as in the exported set.
        _clamp(f"{K}co.min", 1, top, _network_min_count(co))
        min_count = st.number_input("Draw pairs co-occurring in at least (units)", min_value=1, max_value=top,
                                    step=1, key=f"{K}co.min")
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
    _clamp(f"{K}sat.base", 1, n, DEFAULTS[f"{K}sat.base"])
    _clamp(f"{K}sat.run", 1, n, DEFAULTS[f"{K}sat.run"])
    base = int(c1.number_input("Base size", 1, n, key=f"{K}sat.base",
                               help="The first interviews, whose distinct codes form the denominator."))
    run = int(c2.number_input("Run length", 1, n, key=f"{K}sat.run",
                              help="The interviews after a point whose new codes are counted."))
    pct = int(c3.number_input("Threshold (%)", 0, 99, step=1, key=f"{K}sat.threshold",
                              help="Saturation: the first run adding at most this share of the base in new codes "
                                   "(Guest et al. discuss ≤5% and 0%)."))
    orders = int(c4.number_input("Random orders", 10, 5000, step=100, key=f"{K}sat.orders",
                                 help="Interview orders drawn for the band; report them with the seed."))
    seed = int(c5.number_input("Seed", 0, 2**31 - 1, step=1, key=f"{K}sat.seed"))
    sat = D.saturation(ctx.project, ctx.key, base, run, pct / 100, orders, seed)
    fig = V.saturation_curve(sat.per, band=sat.band, guest=sat.guest, width=ctx.width)
    lo, hi = sat.band.percentiles
    caption = (f"Distinct codes after each interview in interview order (line), new codes per interview (bars), "
               f"and the {lo:g}–{hi:g}th percentile band and median over {orders} random orders (seed {seed}); {ctx.who}.")
    table = sat.per.assign(new=sat.per["new"].map(", ".join))[
        ["interview", "document", "participant", "n_codes", "new_codes", "cumulative", "new"]
    ].rename(columns={"n_codes": "codes", "new_codes": "new codes", "new": "new codes (names)"})
    _show(ctx, "saturation", fig, caption, table)
    _methods_sentence(sat, base, run, orders, seed, n)


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
        text = (f"Saturation cannot be assessed yet: a run of {run} interviews after the base of {base} needs "
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
    if not guest.runs.empty:
        runs = guest.runs.rename(columns={"after": "after interviews", "new_codes": "new codes",
                                          "base_codes": "codes in base"})
        st.dataframe(runs, hide_index=True, width="stretch", key=f"{K}table.guest_runs",
                     column_config={"ratio": PERCENT})
        st.download_button("Runs (CSV)", data=lambda: runs.to_csv(index=False).encode("utf-8"),
                           file_name="guest_runs.csv", mime="text/csv", key=f"{K}dl.guest_runs.csv",
                           on_click="ignore", icon=":material/table:")


# ------------------------------------------------------------------ codebook
def _codebook(ctx: Ctx) -> None:
    c1, c2 = st.columns(2, vertical_alignment="bottom")
    kind = c1.radio("Chart", ["sunburst", "treemap"], horizontal=True, key=f"{K}book.kind",
                    format_func=str.capitalize)
    measure = c2.radio("Sized by", ["codings", "participants"], horizontal=True, key=f"{K}book.measure",
                       format_func=str.capitalize)
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
