// qualcode transcript view (Streamlit components v2, no build step).
//
// Python sends `data = {html, digest, focus, height}`; `html` is already escaped
// (qualcode/ui/render.py) and only ever assigned to our own container.
// We report back, as trigger values:
//   selection: {start, end, text, nonce}  code-point offsets + the text the browser saw
//   turn:      {index, nonce}             the "+" gutter button of a turn
//   clicked:   {codings: [ids], nonce}    a click (no selection) on a highlight
//   view:      {index, nonce}             the turn in view changed (scrolling, j/k, n/p)
//   key:       {action, n, nonce}         a workspace key: recent code n, undo
//
// Keys (ignored while typing in a field): 1-9 apply recent code n to the selection,
// j/k next/previous turn, n/p next/previous coding, t code the turn in view,
// u undo, / search. Moving around is done here, without a round trip.
//
// Offsets: the DOM counts UTF-16 code units, Python counts code points. Every text
// run is <span class="qc-r" data-s="N"> with ONE text node whose first character is
// code point N of the document, so a boundary (textNode, utf16Offset) maps to
// N + codePoints(textNode.data.slice(0, utf16Offset)). Boundaries that fall outside
// a run (in a gutter, between turns) snap to the nearest run inside the selection.

function codePoints(s) {
  // Count code points: a surrogate pair (high then low) is one character.
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function runText(run) {
  return run.firstChild && run.firstChild.nodeType === 3 ? run.firstChild.data : run.textContent;
}

// First run whose start is at/after the point (isStart) or last run whose end is
// at/before it (!isStart). Runs are in document order, so binary search.
function snap(runs, node, offset, isStart) {
  const point = document.createRange();
  point.setStart(node, offset);
  point.collapse(true);
  let lo = 0, hi = runs.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = runs[mid].firstChild || runs[mid];
    if (isStart) {
      // comparePoint >= 0: the run's start is at or after the boundary.
      if (point.comparePoint(t, 0) >= 0) { found = mid; hi = mid - 1; } else { lo = mid + 1; }
    } else {
      const len = t.nodeType === 3 ? t.data.length : t.childNodes.length;
      if (point.comparePoint(t, len) <= 0) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
  }
  return found;
}

function boundary(runs, node, offset, isStart) {
  if (node.nodeType === 3 && node.parentElement && node.parentElement.hasAttribute("data-s")) {
    const run = node.parentElement;
    const idx = runs.indexOf(run);
    if (idx >= 0) return { idx, u16: offset };
  }
  const idx = snap(runs, node, offset, isStart);
  if (idx < 0) return null;
  return { idx, u16: isStart ? 0 : runText(runs[idx]).length };
}

function readSelection(scroll) {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  if (!range.intersectsNode(scroll)) return null;
  const runs = Array.from(scroll.querySelectorAll(".qc-r[data-s]"));
  if (!runs.length) return null;
  // A selection that starts or ends outside the transcript is clipped to it.
  let a = scroll.contains(range.startContainer)
    ? boundary(runs, range.startContainer, range.startOffset, true)
    : { idx: 0, u16: 0 };
  let b = scroll.contains(range.endContainer)
    ? boundary(runs, range.endContainer, range.endOffset, false)
    : { idx: runs.length - 1, u16: runText(runs[runs.length - 1]).length };
  if (!a || !b) return null;
  if (a.idx > b.idx || (a.idx === b.idx && a.u16 >= b.u16)) return null;
  const parts = [];
  for (let i = a.idx; i <= b.idx; i++) {
    const t = runText(runs[i]);
    parts.push(t.slice(i === a.idx ? a.u16 : 0, i === b.idx ? b.u16 : t.length));
  }
  const sA = Number(runs[a.idx].dataset.s), sB = Number(runs[b.idx].dataset.s);
  const start = sA + codePoints(runText(runs[a.idx]).slice(0, a.u16));
  const end = sB + codePoints(runText(runs[b.idx]).slice(0, b.u16));
  return { start, end, text: parts.join("") };
}

function scrollToOffset(scroll, offset) {
  const runs = scroll.querySelectorAll(".qc-r[data-s]");
  let target = null;
  for (const r of runs) {
    if (Number(r.dataset.s) <= offset) target = r; else break;
  }
  if (!target) target = runs[0];
  if (!target) return;
  scroll.querySelectorAll(".qc-focus").forEach((el) => el.classList.remove("qc-focus"));
  scroll.querySelectorAll(".qc-focus-turn").forEach((el) => el.classList.remove("qc-focus-turn"));
  target.classList.add("qc-focus");
  const turn = target.closest(".qc-turn");
  if (turn) turn.classList.add("qc-focus-turn");
  // Scroll only our own container, never the whole page.
  const top = target.getBoundingClientRect().top - scroll.getBoundingClientRect().top + scroll.scrollTop;
  scroll.scrollTop = Math.max(0, top - scroll.clientHeight / 3);
}

function turnAt(scroll) {
  // The turn under the top third of the view: the one the researcher is reading.
  const turns = scroll.querySelectorAll(".qc-turn");
  if (!turns.length) return null;
  if (scroll.scrollTop <= 0) return turns[0];  // at the top: the first turn, whatever its height
  const line = scroll.getBoundingClientRect().top + scroll.clientHeight / 3;
  let best = turns[0];
  for (const t of turns) {
    if (t.getBoundingClientRect().top <= line) best = t; else break;
  }
  return best;
}

function markView(scroll, turn) {
  scroll.querySelectorAll(".qc-view-turn").forEach((el) => el.classList.remove("qc-view-turn"));
  if (turn) turn.classList.add("qc-view-turn");
}

function scrollToTurn(scroll, turn) {
  const top = turn.getBoundingClientRect().top - scroll.getBoundingClientRect().top + scroll.scrollTop;
  scroll.scrollTop = Math.max(0, top - scroll.clientHeight / 3 + 2);
}

function typing(ev) {
  const t = ev.target;
  if (!(t instanceof Element)) return false;
  return !!t.closest("input, textarea, select, [contenteditable='true'], [role='combobox'], [role='listbox']");
}

// Show new HTML, replacing only the rows that changed. Every row carries data-h,
// a fingerprint of its markup (render.py): after a coding one turn differs, and
// only that turn is laid out and painted again. When the rows themselves differ
// (another filter, "only coded turns"), the whole transcript is replaced.
function patchRows(scroll, html) {
  const tpl = document.createElement("template");
  tpl.innerHTML = html;
  const fresh = tpl.content.firstElementChild;
  const cur = scroll.firstElementChild;
  const isDoc = (el) => el && el.classList.contains("qc-doc");
  if (!isDoc(cur) || !isDoc(fresh) || scroll.children.length !== 1 || tpl.content.children.length !== 1) {
    scroll.replaceChildren(tpl.content);
    return;
  }
  const old = Array.from(cur.children), neu = Array.from(fresh.children);
  const same = old.length === neu.length && old.every((el, i) =>
    el.dataset.h && neu[i].dataset.h && el.dataset.start === neu[i].dataset.start && el.dataset.end === neu[i].dataset.end);
  if (!same) {
    cur.replaceWith(fresh);
    return;
  }
  for (let i = 0; i < neu.length; i++) {
    if (old[i].dataset.h !== neu[i].dataset.h) old[i].replaceWith(neu[i]);
  }
}

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector(".qc-tx");
  if (!root) {
    root = document.createElement("div");
    root.className = "qc-tx";
    root.innerHTML = '<div class="qc-scroll" tabindex="0"></div>';
    parentElement.appendChild(root);
  }
  const scroll = root.querySelector(".qc-scroll");
  // Streamlit calls this function again whenever `data` changes; listeners are bound
  // once per mounted view and always use the newest API object.
  root.__qc = component;
  const d = data || {};
  if (d.height) scroll.style.maxHeight = d.height + "px";
  if (root.dataset.digest !== d.digest) {
    const top = scroll.scrollTop;
    patchRows(scroll, d.html || "");  // escaped by render.py; see module comment
    scroll.scrollTop = top;
    root.dataset.digest = d.digest || "";
  }
  const focus = d.focus;
  if (focus && String(focus.nonce) !== root.dataset.focusNonce) {
    root.dataset.focusNonce = String(focus.nonce);
    requestAnimationFrame(() => scrollToOffset(scroll, Number(focus.start)));
  }

  if (!root.__qcCleanup) {
    const send = (name, value) => root.__qc.setTriggerValue(name, { ...value, nonce: Date.now() + Math.random() });
    const report = () => {
      const s = readSelection(scroll);
      if (!s) return false;
      // Report each selection once (a stray event must not re-offer what was applied).
      const id = s.start + ":" + s.end + ":" + root.dataset.digest;
      if (id !== root.__qcLast) {
        root.__qcLast = id;
        send("selection", s);
      }
      return true;
    };
    let downInside = false;
    const onDown = (ev) => {
      downInside = scroll.contains(ev.target);
    };
    // On the document, not the transcript: a drag that starts in the transcript may
    // end outside its box. A click that starts and ends elsewhere (e.g. on Apply) is
    // ignored.
    const onUp = (ev) => {
      const target = ev.target instanceof Element ? ev.target : null;
      const inside = downInside || (target && scroll.contains(target));
      downInside = false;
      if (!root.isConnected || !inside) return;
      if (target && target.closest(".qc-turn-btn")) return;
      // Let the browser finish updating the selection first.
      setTimeout(() => {
        if (report()) return;
        const h = target && scroll.contains(target) ? target.closest(".qc-h, .qc-stripe") : null;
        if (h) send("clicked", { codings: h.dataset.c.split(" ").map(Number) });
      }, 0);
    };
    const onKey = (ev) => {
      if (ev.shiftKey || ev.key === "Shift") report();
    };
    const onClick = (ev) => {
      const btn = ev.target.closest && ev.target.closest(".qc-turn-btn");
      if (btn) {
        ev.preventDefault();
        send("turn", { index: Number(btn.dataset.i) });
      }
    };
    let lastView = null, viewTimer = null;
    const reportView = (turn) => {
      if (!turn) return;
      markView(scroll, turn);
      const index = Number(turn.dataset.i);
      if (index === lastView) return;
      lastView = index;
      clearTimeout(viewTimer);
      viewTimer = setTimeout(() => send("view", { index }), 250);
    };
    const onScroll = () => {
      clearTimeout(root.__qcScrollTimer);
      root.__qcScrollTimer = setTimeout(() => reportView(turnAt(scroll)), 400);
    };
    const codingStarts = () => Array.from(scroll.querySelectorAll(".qc-h[data-s]"))
      .map((el) => Number(el.dataset.s)).filter((v, i, a) => i === 0 || v !== a[i - 1]);
    const onKeyDown = (ev) => {
      if (!root.isConnected || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev)) return;
      const k = ev.key;
      if (k >= "1" && k <= "9") {
        report();  // a keyboard selection is sent before the code is applied
        send("key", { action: "recent", n: Number(k) });
      } else if (k === "j" || k === "k") {
        const turns = Array.from(scroll.querySelectorAll(".qc-turn"));
        if (!turns.length) return;
        const cur = scroll.querySelector(".qc-view-turn") || turnAt(scroll);
        let i = Math.max(0, turns.indexOf(cur)) + (k === "j" ? 1 : -1);
        i = Math.min(turns.length - 1, Math.max(0, i));
        scrollToTurn(scroll, turns[i]);
        reportView(turns[i]);
      } else if (k === "n" || k === "p") {
        const starts = codingStarts();
        if (!starts.length) return;
        const pos = root.__qcPos === undefined ? (k === "n" ? -1 : Infinity) : root.__qcPos;
        let next = k === "n" ? starts.find((v) => v > pos) : [...starts].reverse().find((v) => v < pos);
        if (next === undefined) next = k === "n" ? starts[0] : starts[starts.length - 1];
        root.__qcPos = next;
        scrollToOffset(scroll, next);
        const run = scroll.querySelector(".qc-focus");
        reportView(run && run.closest(".qc-turn"));
      } else if (k === "t") {
        const cur = scroll.querySelector(".qc-view-turn") || turnAt(scroll);
        if (cur) send("turn", { index: Number(cur.dataset.i) });
      } else if (k === "u") {
        send("key", { action: "undo" });
      } else if (k === "/") {
        const tab = Array.from(document.querySelectorAll("[role='tab']")).find((b) => /(^|\s)Search\s*$/.test(b.textContent));
        if (tab) tab.click();
        let tries = 0;
        const focusSearch = () => {
          // The tab is lazy: its box appears only after the rerun the click starts, which
          // can take seconds on a busy machine. Try for up to 10 s, but never take the
          // focus away from a field the researcher has moved to meanwhile.
          const at = document.activeElement;
          if (tries > 0 && at && /^(INPUT|TEXTAREA)$/.test(at.tagName)) return;
          const wrap = Array.from(document.querySelectorAll("[data-testid='stTextInput']"))
            .find((w) => w.textContent.includes("Search all transcripts"));
          const box = document.querySelector("input[aria-label='Search all transcripts']") || (wrap && wrap.querySelector("input"));
          if (box) box.focus();
          if ((!box || document.activeElement !== box) && ++tries < 100) setTimeout(focusSearch, 100);
        };
        setTimeout(focusSearch, 0);
      } else {
        return;
      }
      ev.preventDefault();
    };
    scroll.addEventListener("scroll", onScroll, { passive: true });
    document.addEventListener("keydown", onKeyDown);
    scroll.addEventListener("mousedown", onDown);
    document.addEventListener("mouseup", onUp);
    scroll.addEventListener("keyup", onKey);
    scroll.addEventListener("click", onClick);
    root.__qcCleanup = () => {
      scroll.removeEventListener("scroll", onScroll);
      document.removeEventListener("keydown", onKeyDown);
      clearTimeout(viewTimer);
      scroll.removeEventListener("mousedown", onDown);
      document.removeEventListener("mouseup", onUp);
      scroll.removeEventListener("keyup", onKey);
      scroll.removeEventListener("click", onClick);
    };
  }
  // Streamlit calls the returned function when the component unmounts.
  return root.__qcCleanup;
}
