"""The app in a real browser on a large corpus: 1,700 Reddit-sized threads, about 80,000 turns.

The same clock and server as ``bench_session`` (the demo study), on a generated corpus
the size of the issue's target: 1,700 threads of 47 comments (8-60 words each) by
1,200 posters, 30 codes, two coders' codings on 200 threads. Timed: applying a code,
switching thread on the Code page, and each page from its address to the app idle with
its content on screen (a browser that has opened the app before).
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from . import bench_session as S
from .harness import bench

THREADS = 1_700
COMMENTS = 47
CODES = [f"support {i:02d}" for i in range(30)]
PAGES = ["transcripts", "coding", "codebook", "excerpts", "agreement", "analyze", "suggest", "export"]
ROUNDS = 5


def corpus_documents(n: int = THREADS, comments: int = COMMENTS, seed: int = 3):
    """``n`` generated threads of ``comments`` comments, with two coders' codings on 200 of them."""
    from qualcode.model import Document, ImportedCoding, Segment

    from .bench_reddit import _WORDS

    rng = random.Random(seed)
    docs = []
    for d in range(n):
        text, segments = "", []
        op = f"u{rng.randrange(1200):04d}"
        for i in range(comments):
            author = op if i == 0 or rng.random() < 0.15 else f"u{rng.randrange(1200):04d}"
            body = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 60))).capitalize() + "."
            start = len(text) + len(author) + 2
            text += f"{author}: {body}\n\n"
            segments.append(Segment(start, start + len(body), author))
        codings = []
        if d < 200:
            for coder in ("ana", "ben"):
                codings += [ImportedCoding(i, rng.choice(CODES), coder, theme=None)
                            for i in rng.sample(range(comments), k=6)]
        docs.append(Document(f"R{d:04d}_thread", text, segments, codings=codings))
    return docs


def _corpus_server(work: Path) -> str:
    from qualcode.model import Code
    from qualcode.store import Project

    path = work / "corpus.qualcode"
    with Project.open(path) as p:
        p.add_code(Code("Kinds of support", codable=False))
        for name in CODES:
            p.add_code(Code(name, parent="Kinds of support", definition=f"A comment offering {name}."))
        docs = corpus_documents()
        for i in range(0, len(docs), 100):
            p.add_documents(docs[i : i + 100])
    return S.start_server(work, path)


def _setup(work: Path) -> dict:
    url = _corpus_server(work)
    browser = S._browser()
    page = S._open(browser, url, "R0001_thread")
    return {"url": url, "browser": browser, "page": page, "turn": 0, "n": 0,
            "docs": ("R0001_thread", "R1650_thread")}


@bench("corpus browser: apply a code", group="Large corpus (browser, 1,700 threads)", repeat=ROUNDS * 2,
       setup=_setup, notes="80k turns; click Apply (a recent code) to the new highlight painted, page clock")
def corpus_apply(ctx: dict) -> dict:
    return S.apply_code(ctx)


def _setup_switch(work: Path) -> dict:
    ctx = _setup(work)
    first = {}
    for doc in ctx["docs"][::-1]:
        page = S._open(ctx["browser"], ctx["url"], doc)
        first[doc] = page.locator(".qc-tx .qc-r").first.text_content()[:40]
        if doc != ctx["docs"][0]:
            page.context.close()
    ctx["page"].context.close()
    ctx.update(page=page, first_words=first)
    return ctx


@bench("corpus browser: switch thread", group="Large corpus (browser, 1,700 threads)", repeat=ROUNDS * 2,
       setup=_setup_switch, notes="type the thread's name in the Code page picker's find box (Enter to the list updated: "
             "find_median_s), then pick it to its text painted (the figure)")
def corpus_switch(ctx: dict) -> dict:
    return S.switch_transcript(ctx, docs=ctx["docs"])


def _page_loaded(page) -> None:
    page.wait_for_selector("[data-testid='stMain'] [data-testid='stHeading'], [data-testid='stMain'] h1",
                           timeout=120_000)
    S._rerun_done(page)


@bench("corpus browser: each page", group="Large corpus (browser, 1,700 threads)", repeat=1, setup=_setup,
       notes=f"each of {', '.join(PAGES)} from its address to idle with its heading shown, median of {ROUNDS}; "
             "per page in results.json")
def corpus_pages(ctx: dict) -> dict:
    context = ctx["page"].context
    per_page = {}
    for path in PAGES:
        times = []
        for _ in range(ROUNDS):
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(f"{ctx['url']}/{path}?coder=ana&doc=R0001_thread")
            _page_loaded(page)
            times.append(time.perf_counter() - t0)
            page.close()
        per_page[path] = round(statistics.median(times), 3)
    return {"elapsed_s": max(per_page.values()), "per_page_s": per_page, "load_1min": S._load(),
            "items": len(PAGES), "item_unit": "pages (slowest shown)"}
