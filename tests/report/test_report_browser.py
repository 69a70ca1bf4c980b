"""The report in a real browser (Debian's chromium through Playwright): nothing overflows, no clipped axis.

Screenshots go to ``test-artifacts/report/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (run `make browser`)"),
]

OVERFLOW_JS = """() => {
  const out = [];
  for (const t of document.querySelectorAll('table')) {
    const box = t.getBoundingClientRect(), host = t.closest('section').getBoundingClientRect();
    const name = t.id || t.dataset.key || 'table';
    if (box.right > host.right + 1) out.push(name + ' right ' + Math.round(box.right) + ' > ' + Math.round(host.right));
    // a table that only fits by scrolling inside its own box also runs off the page for a reader
    if (t.scrollWidth > t.clientWidth + 1) out.push(name + ' needs sideways scrolling: ' + t.scrollWidth + ' > ' + t.clientWidth);
  }
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1)
    out.push('page scrolls sideways: ' + document.documentElement.scrollWidth);
  return out;
}"""

TICKS_JS = """(name) => {
  const div = document.getElementById('fig-' + name);
  const box = div.getBoundingClientRect();
  const ticks = [...div.querySelectorAll('g.y2tick text, g.ytick text')];
  return {ticks: ticks.map(t => [t.closest('g.y2tick') ? 'y2' : 'y', t.textContent,
                                  t.getBoundingClientRect().left >= box.left - 1 &&
                                  t.getBoundingClientRect().right <= box.right + 1])};
}"""


@pytest.fixture(scope="module")
def page(assessed_result):
    from playwright.sync_api import sync_playwright

    _, out = assessed_result
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 1000})
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto((out / "report.html").as_uri())
        pg.wait_for_selector("#fig-grade_tonnage .main-svg", timeout=60_000)
        pg.wait_for_selector("#fig-production .main-svg", timeout=60_000)
        pg.screenshot(path=str(ARTIFACTS / "report_full.png"), full_page=True)
        yield pg, errors
        browser.close()


def test_no_table_runs_off_the_page(page):
    pg, errors = page
    assert pg.evaluate(OVERFLOW_JS) == []
    assert errors == []


@pytest.mark.parametrize("name", ["grade_tonnage", "production"])
def test_axis_tick_labels_are_inside_the_figure(page, name):
    pg, _ = page
    pg.locator(f"#fig-{name}").screenshot(path=str(ARTIFACTS / f"{name}.png"))
    ticks = pg.evaluate(TICKS_JS, name)["ticks"]
    right = [t for t in ticks if t[0] == "y2"]
    assert right, f"{name}: no right-hand axis ticks drawn"
    assert [t for t in ticks if not t[2]] == []


def test_production_axes_start_at_zero_and_ticks_differ(page):
    pg, _ = page
    ticks = pg.evaluate(TICKS_JS, "production")["ticks"]
    for axis in ("y", "y2"):
        texts = [t[1] for t in ticks if t[0] == axis]
        assert texts[0] == "0", (axis, texts)
        assert len(set(texts)) == len(texts), (axis, texts)
        assert max(len(t) for t in texts) <= 6, (axis, texts)  # "3.3M", "80": no raw floats


def test_a_constant_variable_shows_its_note_in_place_of_the_cross_validation_plot(page):
    pg, _ = page
    note = pg.locator('[data-figure="cv_thickness"]')
    assert note.count() == 1 and note.is_visible()
    assert note.evaluate("el => el.tagName") == "P" and note.locator("svg").count() == 0
    assert "not computed: thickness_m is constant in the data (value 10 m)" in note.inner_text()
    box, host = note.bounding_box(), note.locator("xpath=ancestor::section").bounding_box()
    assert box["height"] > 0 and box["x"] + box["width"] <= host["x"] + host["width"] + 1
    pg.wait_for_selector("#fig-cv_total_rey .main-svg", timeout=60_000)
    pg.locator('[data-figure="cv_total_rey"]').scroll_into_view_if_needed()
    note.screenshot(path=str(ARTIFACTS / "cv_thickness_note.png"))
