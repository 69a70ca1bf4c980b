"""The dashboard in a real browser: Playwright driving Debian's chromium against uvicorn.

Screenshots are kept in ``test-artifacts/web/`` (gitignored). Never a browser that playwright
downloads: chromium is launched through ``executable_path``.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from reymud.web import create_app

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (run `make browser`)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(project_path):
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(project_path), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def loaded_page(browser, server_url):
    """One page for the module (loading plotly.js once keeps the CPU cost low); the tests below
    run in file order on it."""
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("request", lambda req: None if req.url.startswith((server_url, "data:"))
          else errors.append(f"request outside the server (the page must work offline): {req.url}"))
    pg.goto(server_url + "/")
    pg.wait_for_selector("body[data-ready]", timeout=60_000)
    assert pg.get_attribute("body", "data-ready") == "true", pg.inner_text("#global-error")
    yield pg, errors
    context.close()


@pytest.fixture()
def page(loaded_page):
    pg, errors = loaded_page
    yield pg
    assert not errors, f"JavaScript errors on the page: {errors}"


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # the sticky SYNTHETIC banner belongs at the top
    page.screenshot(path=str(path), full_page=True)
    return path


def test_map_and_charts_render_with_data(page, client):
    n_cores = len(client.get("/api/cores").json()["rows"])
    traces = page.evaluate("""() => document.getElementById('map').data.map(
        t => ({type: t.type, name: t.name, n: (t.type === 'heatmap' ? t.z.flat().filter(v => v !== null).length
                                                                     : t.x.length)}))""")
    heat = [t for t in traces if t["type"] == "heatmap"]
    assert heat and heat[0]["n"] > 100, traces
    assert [t["n"] for t in traces if t["name"] == "cores"] == [n_cores]
    assert any("study box" in t["name"] for t in traces) and any("EEZ" in t["name"] for t in traces)
    assert page.locator("#map .main-svg").count() > 0
    assert int(page.get_attribute("#gt-curve", "data-points")) == 61
    assert page.evaluate("document.getElementById('downhole').data[0].x.length") > 5
    assert page.locator("#synthetic-banner").is_visible()
    assert "SYNTHETIC" in page.inner_text("#synthetic-banner")
    supply = client.get("/api/supply")
    if supply.status_code == 200:
        assert page.locator("#supply-table tbody tr").count() == len(supply.json()["rows"])
    _shot(page, "dashboard")
    options = page.eval_on_selector_all("#map-variable option", "els => els.map(e => e.value)")
    probability = [o for o in options if o.startswith("exceedance:")]
    if client.get("/api/exceedance").status_code == 200:
        assert probability, options
        page.select_option("#map-variable", probability[0])
        page.wait_for_function("(v) => document.getElementById('map').dataset.gridVariable === v", arg=probability[0])
        z = page.evaluate("document.getElementById('map').data[0].z.flat().filter(v => v !== null)")
        assert z and min(z) >= 0 and max(z) <= 1
        _shot(page, "map_probability")
        page.select_option("#map-variable", "total_rey_ppm")
        page.wait_for_function("document.getElementById('map').dataset.gridVariable === 'total_rey_ppm'")


def test_clicking_a_core_shows_its_downhole_log(page, client):
    cores = client.get("/api/cores").json()["rows"]
    target = cores[-1]["core_id"]
    box = page.evaluate("""(id) => {
        const gd = document.getElementById('map');
        const t = gd.data.findIndex(d => d.name === 'cores');
        const i = gd.data[t].customdata.indexOf(id);
        const L = gd._fullLayout, r = gd.getBoundingClientRect();
        return {x: r.left + L._size.l + L.xaxis.l2p(gd.data[t].x[i]),
                y: r.top + L._size.t + L.yaxis.l2p(gd.data[t].y[i])};
    }""", target)
    page.mouse.move(box["x"], box["y"])
    page.mouse.click(box["x"], box["y"])
    page.wait_for_function("(id) => document.getElementById('downhole').dataset.core === id", arg=target)
    assert page.inner_text("#log-core") == target
    n_samples = len(client.get(f"/api/cores/{target}").json()["samples"]["rows"])
    assert page.evaluate("document.getElementById('downhole').data[0].x.length") == n_samples


def _total_row(page) -> dict[str, str]:
    cells = page.locator("#resource-table tr.total td").all_inner_texts()
    return {"blocks": cells[1], "dry": cells[3], "grade": cells[4], "treo": cells[5]}


def test_changing_the_cutoff_changes_the_numbers(page, client):
    page.wait_for_function("document.getElementById('resource-table').dataset.cutoff === '400'")
    before = _total_row(page)
    page.locator("#cutoff-number").fill("1500")
    page.wait_for_function("document.getElementById('resource-table').dataset.cutoff === '1500'")
    after = _total_row(page)
    assert after != before
    expected = client.get("/api/resource", params={"cutoff": 1500}).json()["total"]
    assert after["blocks"] == f"{expected['n_blocks']:,}"
    assert after["dry"] == f"{expected['dry_t'] / 1e6:,.2f}"
    assert page.input_value("#cutoff-slider") == "1500"
    line_x = page.evaluate("document.getElementById('gt-curve').layout.shapes[0].x0")
    assert line_x == 1500
    page.locator("#cutoff-slider").fill("800")
    page.wait_for_function("document.getElementById('resource-table').dataset.cutoff === '800'")
    assert page.input_value("#cutoff-number") == "800"
    assert _total_row(page) != after
    _shot(page, "cutoff_800")


def test_invalid_upload_shows_the_error_message(page, tmp_path, project_path):
    from reymud.demo import write_demo_survey

    files = write_demo_survey(tmp_path, seed=11, n_cores=2)
    lines = files.assays.read_text().splitlines()
    cells = lines[4].split(",")
    cells[10] = "abc"
    lines[4] = ",".join(cells)
    bad = tmp_path / "lab_batch_7.csv"
    bad.write_text("\n".join(lines) + "\n")
    page.set_input_files("#upload-files", str(bad))
    page.click("#upload-submit")
    error = page.locator("#upload-error")
    error.wait_for(state="visible", timeout=30_000)
    text = error.inner_text()
    assert "lab_batch_7.csv" in text and "'abc' is not a number" in text
    assert "row: 5" in text and "column: Pr (ppm)" in text
    _shot(page, "upload_error")


def test_scenario_run_completes_and_draws_unmet_demand(page):
    page.locator("#sc-share").fill("1")
    page.locator("#sc-stockpile").fill("0")
    page.click("#scenario-run")
    page.wait_for_function("document.getElementById('scenario-status').textContent === 'completed'",
                           timeout=60_000)
    assert page.locator("#scenario-error").is_hidden()
    total = float(page.get_attribute("#scenario-chart", "data-total-unmet"))
    assert total > 0, "a full cut with no stockpile leaves demand unmet"
    assert page.evaluate("document.getElementById('scenario-chart').data.length") >= 2
    assert page.evaluate("document.getElementById('scenario-progress').value") == 1
    _shot(page, "scenario")


def test_a_page_of_another_origin_cannot_write(browser, server_url):
    """The issue's CSRF: a page served from another origin posts a multipart upload (no preflight
    needed). ``localhost`` is an allowed Host, but a different origin than ``127.0.0.1``."""
    import httpx

    imports_before = httpx.get(server_url + "/api/project").json()["n_imports"]
    other = server_url.replace("127.0.0.1", "localhost")
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(other + "/api/health")
    status = pg.evaluate("""async (target) => {
        const form = new FormData();
        form.append("files", new Blob(["sample_id,core_id,La_ppm\\nS1,C1,1\\n"], {type: "text/csv"}), "x.csv");
        try {
            const r = await fetch(target + "/api/uploads", {method: "POST", body: form, mode: "no-cors",
                                                             credentials: "include"});
            return r.type;  // opaque: the status is hidden from the attacker; the server refused it
        } catch (e) { return "blocked"; }
    }""", server_url)
    assert status in ("opaque", "blocked")
    same = pg.evaluate("""async () => (await fetch("/api/uploads", {method: "POST", body: new FormData(),
        headers: {"Origin-Probe": "1"}})).status""")
    assert same == 403  # same origin but without the CSRF header: refused too
    assert httpx.get(server_url + "/api/project").json()["n_imports"] == imports_before  # nothing written
    context.close()


def test_docs_render_offline(browser, server_url):
    context = browser.new_context()
    pg = context.new_page()
    outside: list[str] = []
    pg.on("request", lambda req: None if req.url.startswith((server_url, "data:")) else outside.append(req.url))
    pg.goto(server_url + "/docs")
    pg.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert pg.locator(".swagger-ui .opblock").count() >= 29
    assert not outside, f"/docs fetched from outside the server: {outside}"
    context.close()
