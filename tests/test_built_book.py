"""The built HTML book (``make book`` first): every chapter is there with its figures, captions
and resolved numbers. Run by ``make book-check``."""

import json
import re

import pytest

from conftest import BOOK, ROOT

HTML = ROOT / "_build" / "html"
NOTEBOOKS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
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
    captions = [c["metadata"]["mystnb"]["figure"]["caption"] for c in cells if "figure" in c["metadata"].get("mystnb", {})]
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


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_unresolved_references_or_glue(notebook):
    text = _page(notebook.stem).get_text(" ")
    for leftover in ("{glue", "{numref", "{ref}", "fig-"):
        assert leftover not in text, f"{notebook.stem}: '{leftover}' left unresolved on the page"
