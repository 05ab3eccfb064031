"""How fast the search page answers with 10,000 papers, measured in headless Chromium.

Ours: the page as emit writes it (render/page.py). Its first render is timed by the page's own
`performance.mark`s: from navigation start (the 9 MB file read and parsed, the JSON decoded, the
search strings made, the first rows drawn and laid out) and the script's part alone. Each filter is
timed in the page with `performance.now()` around the control's change event and a forced layout,
so the figure includes building the rows and the browser's layout, not only the matching.

The baseline, in the same tab and the same run, is the naive page: on every keystroke or filter it
lowercases every paper's text again and rebuilds every matching row as an HTML string through
`innerHTML` (escaped, so it is at least safe). Its first render draws all 10,000 rows.

Target: first render and each filter under 200 ms. Skipped (one row saying why) without Chromium.
"""
from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from pipeline.render import page
from tests.page_fixtures import generated_catalog, launch, missing_browser

N = 10_000
TARGET_MS = 200
QUERY = "neural network oracle"       # typed one key at a time: every prefix is a filter

# Runs in the page: the control changes, then a forced layout, timed together.
_TIMED = """([id, value]) => {
  const control = document.getElementById(id);
  const t0 = performance.now();
  control.value = value;
  control.dispatchEvent(new Event('change'));
  document.body.offsetHeight;
  return [performance.now() - t0, Number(document.getElementById('results').dataset.count)];
}"""

# The naive page, installed beside ours in the same tab (after the real one has been measured).
_NAIVE = """() => {
  const data = JSON.parse(document.getElementById('papers-data').textContent);
  const esc = s => String(s).replace(/[&<>"']/g, c => '&#' + c.charCodeAt(0) + ';');
  const text = run => typeof run === 'string' ? run : run[1];
  const list = document.getElementById('results');
  window.naive = (state) => {
    const t0 = performance.now();
    const terms = state.q.toLowerCase().split(/\\s+/).filter(Boolean);
    let html = '', n = 0;
    for (const p of data.papers) {
      if (state.venue && p.venue !== state.venue) continue;
      if (state.tag && !(p.tags || []).includes(state.tag)) continue;
      if (state.from && !(p.year >= state.from)) continue;
      if (state.to && !(p.year <= state.to)) continue;
      if (state.section && !(p.sections || []).some(s => s.startsWith(state.section))) continue;
      const hay = [p.title, (p.authors || []).join(' '), p.venue || '',
                   (p.summary || []).map(text).join('')].join(' ').toLowerCase();
      if (!terms.every(t => hay.includes(t))) continue;
      n++;
      html += '<li><h2><a href="' + esc(p.url || '') + '">' + esc(p.title) + '</a></h2><p>' +
        esc((p.authors || []).join(', ')) + ' ' + esc(p.venue || '') + ' ' + (p.year || '') + '</p><p>' +
        esc((p.summary || []).map(text).join('')) + '</p><pre>' + esc(p.bibtex || '') + '</pre></li>';
    }
    list.innerHTML = html;
    document.body.offsetHeight;
    return [performance.now() - t0, n];
  };
}"""


def cases() -> list[tuple[str, list[tuple[str, str]], dict]]:
    """(name, [(control id, value) steps], the same filter as the naive page's state)."""
    typed = [("q", QUERY[:i]) for i in range(1, len(QUERY) + 1)]
    return [
        (f"typing \"{QUERY}\", each of {len(QUERY)} keystrokes", typed, {"q": QUERY}),
        ("section filter (a top section with 3 sub-sections)", [("q", ""), ("section", "S3")], {"section": "S3"}),
        ("tag filter", [("section", ""), ("tag", "Testing")], {"tag": "Testing"}),
        ("venue filter", [("tag", ""), ("venue", "ICSE")], {"venue": "ICSE"}),
        ("year range 2015-2019", [("venue", ""), ("from", "2015"), ("to", "2019")], {"from": 2015, "to": 2019}),
        ("order: newest first (all papers)", [("from", ""), ("to", ""), ("sort", "new")], {}),
    ]


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 10 else f"{value:.0f} ms"


def run() -> list[dict]:
    reason = missing_browser()
    if reason:
        return [{"benchmark": "search page", "case": f"{N:,} papers", "ours": "-", "baseline": "-",
                 "ratio": "-", "notes": f"skipped: {reason}"}]
    from playwright.sync_api import sync_playwright

    catalog = generated_catalog(N)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        path = Path(tmp) / "index.html"
        path.write_text(page.render(catalog), encoding="utf-8")
        size = path.stat().st_size
        browser = launch(p)
        tab = browser.new_page(viewport={"width": 1280, "height": 800})
        loads, scripts = [], []
        for _ in range(3):
            tab.goto(path.as_uri())
            marks = tab.evaluate("""() => Object.fromEntries(performance.getEntriesByType('mark')
                                     .map(m => [m.name, m.startTime]))""")
            loads.append(marks["page:ready"])
            scripts.append(marks["page:ready"] - marks["page:start"])
        tab.evaluate(_NAIVE)
        naive_first = min(tab.evaluate("() => window.naive({q: ''})")[0] for _ in range(3))
        rows.append(_row("first render", f"{N:,} papers, page file {size / 2**20:.1f} MiB",
                         min(scripts), naive_first,
                         f"ours: script {_ms(min(scripts))} (JSON, search strings, first 50 rows, layout); "
                         f"{_ms(min(loads))} from navigation start incl. reading and parsing the file; "
                         f"best of 3. Baseline: all {N:,} rows as one innerHTML string"))

        for name, steps, state in cases():
            tab.goto(path.as_uri())
            times, count = [], 0
            for control, value in steps:
                spent, count = tab.evaluate(_TIMED, [control, value])
                times.append(spent)
            ours = max(times[-len(steps):]) if name.startswith("typing") else times[-1]
            tab.evaluate(_NAIVE)
            if name.startswith("typing"):
                naive_times = [tab.evaluate("s => window.naive(s)", {"q": v})[0] for _c, v in steps]
                naive, naive_count = max(naive_times), tab.evaluate("s => window.naive(s)", state)[1]
                note = (f"slowest keystroke; median ours {_ms(statistics.median(times))}, "
                        f"baseline {_ms(statistics.median(naive_times))}")
            else:
                naive, naive_count = tab.evaluate("s => window.naive(s)", {"q": "", **state})
                note = "one change event"
            if name.startswith("order"):
                naive_count = count
            rows.append(_row("filter", f"{name}: {count:,} of {N:,} match", ours, naive,
                             f"{note}; baseline matched {naive_count:,}"))
        browser.close()
    return rows


def _row(kind: str, case: str, ours: float, naive: float, notes: str) -> dict:
    verdict = "under" if ours < TARGET_MS else "OVER"
    return {
        "benchmark": f"search page: {kind}",
        "case": case,
        "ours": f"{_ms(ours)} ({verdict} {TARGET_MS} ms)",
        "baseline": _ms(naive),
        "ratio": f"{naive / ours:.1f}x faster" if ours > 0 else "-",
        "notes": notes,
    }


if __name__ == "__main__":
    for row in run():
        print(row)
