"""The built HTML book (``make book`` first): every chapter is there with its figures, captions
and resolved numbers, the appendix with its errors, the bibliography with every paper. Run by
``make book-check``; ``make browser`` then opens the pages in a real browser."""

import json
import re

import pytest
from conftest import BOOK, ROOT, toc_files

HTML = ROOT / "_build" / "html"
NOTEBOOKS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
APPENDIX = sorted(BOOK.glob("appendix_*.ipynb"))
pytestmark = pytest.mark.built_book


def _page(stem):
    from bs4 import BeautifulSoup

    path = HTML / "book" / f"{stem}.html"
    assert path.is_file(), f"{path} was not built"
    return BeautifulSoup(path.read_text(), "html.parser")


def test_intro_and_index_exist():
    assert (HTML / "index.html").is_file()
    intro = _page("intro")
    links = {a.get("href", "") for a in intro.select("a")}
    for nb in NOTEBOOKS:
        assert any(nb.stem + ".html" in href for href in links), f"the intro does not link to {nb.stem}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_is_published_with_its_caption(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    captions = [
        c["metadata"]["mystnb"]["figure"]["caption"] for c in cells if "figure" in c["metadata"].get("mystnb", {})
    ]
    page = _page(notebook.stem)
    figures = page.select("figure")
    assert len(figures) == len(captions)
    for figure, caption in zip(figures, captions):
        text = " ".join(figure.figcaption.get_text(" ").split())
        assert re.match(r"Figure \d+\.\d+", text), f"unnumbered figure: {text[:60]}"
        # Sphinx turns straight quotes into typographic ones; compare the caption's opening words.
        plain = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
        assert " ".join(caption.split()[:4]) in plain, f"caption not found under {text[:60]}"
        img = figure.find("img")
        assert img is not None, f"{notebook.stem}: a figure has no image"
        image = (HTML / "book" / img["src"]).resolve()
        assert image.suffix == ".svg" and image.is_file() and image.stat().st_size > 1000


@pytest.mark.parametrize("notebook", NOTEBOOKS + APPENDIX, ids=lambda p: p.stem)
def test_no_unresolved_references_or_glue(notebook):
    text = _page(notebook.stem).get_text(" ")
    for leftover in ("{glue", "{numref", "{ref}", "{cite", "fig-"):
        assert leftover not in text, f"{notebook.stem}: '{leftover}' left unresolved on the page"


def test_every_page_of_the_toc_is_built():
    for page in toc_files():
        assert (HTML / f"{page}.html").is_file(), f"{page} is in _toc.yml but was not built"


@pytest.mark.parametrize("notebook", APPENDIX, ids=lambda p: p.stem)
def test_appendix_shows_each_error_it_raised(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    raised = [
        f"{o['ename']}: {o['evalue']}" for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"
    ]
    assert len(raised) >= 5
    text = " ".join(_page(notebook.stem).get_text().split())  # no separator: the traceback is coloured spans
    for error in raised:
        assert " ".join(error.split())[:60] in text, f"the page does not show {error[:60]!r}"


def test_bibliography_lists_every_reference():
    bib = (BOOK / "references.bib").read_text()
    titles = re.findall(r"^\s*title\s*=\s*\{(.+)\},?$", bib, flags=re.MULTILINE)
    page = _page("references")
    assert len(page.select("div.citation")) == len(titles) == bib.count("\n@")
    text = " ".join(page.get_text(" ").split()).lower()
    for title in titles:
        words = re.sub(r"[{}]", "", title).lower().split()[:4]
        assert " ".join(words) in text, f"{title!r} is not in the bibliography"
