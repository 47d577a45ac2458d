"""The built book in a real browser: every page of _build/html opened in headless Chromium over
loopback HTTP, with no network. Run by ``make browser`` after ``make book``.

Each page must load without a console error, a script error or a failed request, and must not
try to fetch anything from outside the book; its math must be typeset by the bundled MathJax and
every image on it displayed. The sidebar must link to every page of _toc.yml, the previous/next
links must walk the book in that order, the search page must find each page by a word of its
title, and each chapter must offer its notebook for download and launch buttons for Binder and
Colab. A full-page screenshot of every page goes to _build/screenshots/ for a human to look at.

Without Chromium the tests skip, saying so; under CI=true a missing browser is a failure.
"""

import functools
import http.server
import json
import os
import re
import shutil
import threading
from urllib.parse import urljoin, urlparse

import pytest
import yaml
from conftest import ROOT, toc_files

pytestmark = pytest.mark.browser

HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
PAGES = toc_files()
NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / f"{p}.ipynb").is_file()]
# Headless, as root, with no network: no sandbox, and none of Chromium's own calls home.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _find_chromium():
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium():
    path = _find_chromium()
    if path is None:
        message = "no Chromium found (Debian/Ubuntu: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {message}: the browser checks must run in CI (make browser-setup installs it)")
        pytest.skip(f"browser checks skipped: {message}")
    return path


#: Every request the server could not answer (path, status): missing files such as a favicon
#: the browser asks for by itself, which the page's own events may not report.
SERVER_ERRORS = []


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_request(self, code="-", size="-"):
        if isinstance(code, int) and code >= 400:
            SERVER_ERRORS.append(f"HTTP {code} from the server: {self.path}")

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def site():
    """The built book served over loopback HTTP, as a reader's web server would serve it."""
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML} has no index.html: run `make book` first")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(chromium):
    """Headless Chromium; Playwright starts it with a fresh temporary profile (--user-data-dir)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium_browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield chromium_browser
        chromium_browser.close()


class Visit:
    """A page opened in a fresh browser context (no cookies, no stored settings), and every problem
    it reported while loading."""

    def __init__(self, browser, url):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(30_000)
        self.page = self.context.new_page()
        self.problems = []
        self._server_errors = len(SERVER_ERRORS)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))
        # Nothing may come from outside the book: such requests are refused and reported.
        self.page.route("**/*", self._only_loopback)
        self.goto(url)

    def _console(self, message):
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _only_loopback(self, route):
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.problems.append(f"request outside the book: {route.request.url}")
            route.abort()

    def goto(self, url):
        self.page.goto(url, wait_until="load")
        self.settle()

    def settle(self):
        """Wait until the page is quiet and MathJax, if the page loads it, has typeset it."""
        self.page.wait_for_load_state("networkidle")
        self.page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")

    def all_problems(self):
        """What the page reported, and what the server could not answer since the page was opened."""
        self.page.wait_for_timeout(300)  # requests the browser makes on its own, such as a favicon
        return self.problems + SERVER_ERRORS[self._server_errors :]

    def path(self):
        return urlparse(self.page.url).path.lstrip("/")

    def close(self):
        self.context.close()


def _url(site, page):
    return f"{site}{page}.html"


def _title(page):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((HTML / f"{page}.html").read_text(), "html.parser")
    return soup.select_one("article h1").get_text(" ", strip=True).replace("#", "").strip()


MATH = """() => {
  const math = [...document.querySelectorAll("article span.math, article div.math")];
  const fonts = [...document.fonts].filter(f => f.family.replace(/"/g, "").startsWith("MJX"));
  return {
    count: math.length,
    typeset: math.filter(m => m.querySelector("mjx-container")).length,
    raw: math.filter(m => /\\\\\\(|\\\\\\[|\\$\\$/.test(m.textContent)).map(m => m.textContent.slice(0, 80)),
    blank: math.filter(m => m.getBoundingClientRect().width === 0).length,
    fontsLoaded: fonts.filter(f => f.status === "loaded").length,
  };
}"""

IMAGES = """async () => {
  const found = [];
  for (const img of document.querySelectorAll("article img")) {
    img.scrollIntoView();
    try { await img.decode(); } catch (e) {}
    const box = img.getBoundingClientRect();
    found.push({src: img.getAttribute("src"), inFigure: img.closest("figure") !== null,
                natural: img.naturalWidth, width: box.width, height: box.height});
  }
  window.scrollTo(0, 0);
  return {images: found, figures: document.querySelectorAll("article figure").length};
}"""


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_cleanly_renders_math_and_figures(browser, site, page):
    visit = Visit(browser, _url(site, page))
    try:
        problems = visit.all_problems()
        assert problems == [], f"{page}: " + "\n".join(problems)

        math = visit.page.evaluate(MATH)
        assert math["typeset"] == math["count"], f"{page}: {math['count'] - math['typeset']} formulas not typeset"
        assert math["raw"] == [] and math["blank"] == 0, f"{page}: raw or empty math {math['raw']}"
        if math["count"]:
            assert math["fontsLoaded"] > 0, f"{page}: MathJax's fonts did not load"

        shown = visit.page.evaluate(IMAGES)
        for image in shown["images"]:
            assert image["natural"] > 0, f"{page}: image {image['src']} did not load"
            assert image["width"] > 0 and image["height"] > 0, f"{page}: image {image['src']} is not displayed"
        in_figures = [i for i in shown["images"] if i["inFigure"]]
        assert len(in_figures) == shown["figures"], f"{page}: a figure without a displayed image"
        if re.match(r"book/\d\d_", page):
            assert shown["figures"] >= 1, f"{page}: a chapter without figures"

        # The favicon and the logo are part of every page.
        icon = visit.page.get_attribute("link[rel=icon]", "href")
        assert icon and visit.page.request.get(urljoin(visit.page.url, icon)).ok, f"{page}: no favicon"
        logo = visit.page.eval_on_selector("img.logo__image", "img => img.naturalWidth")
        assert logo > 0, f"{page}: the logo did not load"

        _screenshot(visit.page, SCREENSHOTS / f"{page.split('/')[-1]}.png")
    finally:
        visit.close()


def _screenshot(page, path):
    """The whole page as one image. The window is made as tall as the page first, so that the
    sticky sidebars are drawn as a reader sees them rather than clipped to the first screen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    if height <= 16_000:  # Chromium's largest drawable surface is a little above 16,000 pixels
        page.set_viewport_size({"width": 1280, "height": height})
        page.wait_for_timeout(200)
        page.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)


def test_some_page_has_math():
    """The math checks above are not vacuous: the book has formulas."""
    assert any('class="math' in (HTML / f"{page}.html").read_text() for page in PAGES)


def test_table_of_contents_links_to_every_page(browser, site):
    visit = Visit(browser, _url(site, PAGES[0]))
    try:
        links = visit.page.eval_on_selector_all("nav.bd-docs-nav a", "links => links.map(a => a.href.split('#')[0])")
        for page in PAGES:
            assert _url(site, page) in links, f"the table of contents does not link to {page}"
        for link in links:
            assert link.startswith(site) and visit.page.request.get(link).ok, (
                f"a table of contents link is broken: {link}"
            )
    finally:
        visit.close()


def test_previous_and_next_links_walk_the_book_in_order(browser, site):
    visit = Visit(browser, _url(site, PAGES[0]))
    try:
        forward = [visit.path()]
        while visit.page.locator("a.right-next").count():
            visit.page.click("a.right-next")
            visit.settle()
            forward.append(visit.path())
        assert forward == [f"{p}.html" for p in PAGES]
        backward = [visit.path()]
        while visit.page.locator("a.left-prev").count():
            visit.page.click("a.left-prev")
            visit.settle()
            backward.append(visit.path())
        assert backward == forward[::-1]
        problems = visit.all_problems()
        assert problems == [], "\n".join(problems)
    finally:
        visit.close()


@pytest.mark.parametrize("page", PAGES[1:])
def test_search_finds_the_page_by_a_word_of_its_title(browser, site, page):
    word = max(re.findall(r"[A-Za-z]{4,}", _title(page)), key=len).lower()
    visit = Visit(browser, f"{site}search.html?q={word}")
    try:
        visit.page.wait_for_function("() => /Search finished/.test(document.body.innerText)")
        results = visit.page.eval_on_selector_all("#search-results a", "links => links.map(a => a.href)")
        assert any(r.split("#")[0].split("?")[0] == _url(site, page) for r in results), (
            f"searching '{word}' did not find {page}"
        )
        problems = visit.all_problems()
        assert problems == [], "\n".join(problems)
    finally:
        visit.close()


def test_search_summarises_an_api_section_from_the_section_itself(browser, site):
    """Searching the title of a section of the API page lists that section with its own text as the
    summary. The section's id is the module's dotted name (module-ensemble_lib.averaging), which Sphinx's
    search puts unescaped into a CSS selector; book/_static/search_anchor.js escapes it, without which
    the lookup fails, the browser logs a warning and the summary is cut from the whole page."""
    title, anchor = "Averaging weights", "module-ensemble_lib.averaging"
    visit = Visit(browser, f"{site}search.html?q={title.replace(' ', '+')}")
    try:
        visit.page.wait_for_function("() => /Search finished/.test(document.body.innerText)")
        entries = visit.page.eval_on_selector_all(
            "#search-results li",
            """items => items.map(li => ({href: li.querySelector("a").href,
                                          summary: li.querySelector("p.context")?.textContent ?? null}))""",
        )
        found = [e for e in entries if e["href"] == f"{site}book/api.html#{anchor}"]
        assert found, f"no result links to the API page's section #{anchor}: {entries}"
        for entry in found:
            summary = entry["summary"] or ""
            assert summary.startswith(title), f"summary not taken from the section: {summary[:120]!r}"
        problems = visit.all_problems()
        assert problems == [], "\n".join(problems)
    finally:
        visit.close()


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_notebook_download_and_launch_buttons(browser, site, page):
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    owner_repo = urlparse(repository["url"]).path.strip("/")
    branch = repository["branch"]
    visit = Visit(browser, _url(site, page))
    try:
        links = visit.page.eval_on_selector_all(".article-header-buttons a", "links => links.map(a => a.href)")
        downloads = [link for link in links if link.startswith(site) and link.endswith(".ipynb")]
        assert downloads, f"{page}: no download button for the notebook"
        response = visit.page.request.get(downloads[0])
        assert response.ok and json.loads(response.body()) == json.loads((ROOT / f"{page}.ipynb").read_text())
        assert f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/{page}.ipynb" in links
        assert f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{page}.ipynb" in links
    finally:
        visit.close()


#: Every block of code, every output and every table of an article, measured against the
#: article's text column: the block's own scroll width (a line or table too wide scrolls sideways
#: inside its box) and its right edge. Solutions are opened first, so that what they hold is
#: measured too.
WIDTHS = """async () => {
  for (const button of document.querySelectorAll("button.toggle-button")) {
    if (button.getAttribute("aria-expanded") !== "true") button.click();
  }
  await new Promise(resolve => setTimeout(resolve, 300));
  const article = document.querySelector("article.bd-article");
  const limit = article.getBoundingClientRect().right + 1;
  const measured = [...article.querySelectorAll("div.highlight pre, div.cell_output table, article table")];
  const wide = measured.filter(el => el.getBoundingClientRect().width > 0).filter(
    el => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > limit);
  return {
    measured: measured.filter(el => el.getBoundingClientRect().width > 0).length,
    tables: article.querySelectorAll("div.cell_output table").length,
    wide: wide.map(el => `${el.tagName} ${el.scrollWidth - el.clientWidth}px too wide: ` +
                         el.innerText.slice(0, 70).replace(/\\s+/g, " ")),
  };
}"""


@pytest.mark.parametrize("page", PAGES)
def test_every_code_block_output_and_table_fits_the_text_column(browser, site, page):
    visit = Visit(browser, _url(site, page))
    try:
        found = visit.page.evaluate(WIDTHS)
        assert found["wide"] == [], f"{page} at 1280 px:\n" + "\n".join(found["wide"])
        if re.match(r"book/\d\d_", page):  # the check measured something: every chapter has tables
            assert found["tables"] >= 1 and found["measured"] > found["tables"], f"{page}: nothing measured"
    finally:
        visit.close()
