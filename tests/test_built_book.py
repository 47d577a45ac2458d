"""The built HTML book (``make book`` first): every chapter is there with its figures, captions
and resolved numbers, the appendix with its errors, the bibliography with every paper. Run by
``make book-check``; ``make browser`` then opens the pages in a real browser."""

import functools
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


def test_the_api_page_documents_every_public_name_with_its_docstring():
    import inspect

    import ensemble_lib as el

    page = _page("api")
    documented = {tag["id"]: tag for tag in page.select("dt[id^='ensemble_lib.']")}
    for module in el._MODULES:
        assert page.find(id=f"module-{module.__name__}"), f"the API page has no section for {module.__name__}"
        for name in module.__all__:
            target = f"{module.__name__}.{name}"
            assert target in documented, f"the API page does not document el.{name} ({target})"
            entry = documented[target].find_next_sibling("dd")
            words = re.findall(r"\w+", entry.get_text(" ").replace("\u2019", "'"))
            assert words, f"el.{name} is documented with no text"
            # A function's or class's own docstring is on the page: its first five words.
            if callable(getattr(el, name)):
                doc = inspect.getdoc(getattr(el, name))
                # A role shows its target (":class:`~a.b.C`" shows "C"), not its name.
                doc = re.sub(r":\w+:`(~?)([^`]*)`", lambda m: m[2].split(".")[-1] if m[1] else m[2], doc)
                first = re.findall(r"\w+", doc)[:5]
                assert " ".join(first) in " ".join(words), f"el.{name}: its docstring is not on the page"


@functools.cache
def _titles():
    """Every page's title as its h1 shows it."""
    titles = {}
    for page in toc_files():
        heading = _page(page.split("/")[-1]).select_one("article h1")
        titles[page] = " ".join(heading.get_text(" ").replace("#", "").split())
    return titles


@pytest.mark.parametrize("page", [p.split("/")[-1] for p in toc_files()])
def test_cross_references_read_as_prose(page):
    """A reference to another page reads "chapter 2" or has link text of its own: a page's title
    dropped into a sentence ("as chapter An MLP baseline in Keras 3 showed") is refused, and so
    is a chapter number with a leading zero ("chapter 06"). A title opening a list item, as in the
    introduction's list of chapters, is fine."""
    article = _page(page).select_one("article")
    titles = {title for title in _titles().values() if len(title.split()) > 1}
    for link in article.select("p a.reference.internal, li a.reference.internal"):
        text = " ".join(link.get_text(" ").split())
        if text not in titles:
            continue
        before = "".join(
            sibling.get_text() if hasattr(sibling, "get_text") else str(sibling) for sibling in link.previous_siblings
        )
        assert not before.strip(), f"{page}: the title {text!r} stands in a sentence: ...{before.strip()[-40:]!r}"
    prose = " ".join(" ".join(block.get_text(" ").split()) for block in article.select("p, li, figcaption, h1, h2, h3"))
    zeros = re.findall(r".{30}\b[Cc]hapters? 0\d\b", prose)
    assert not zeros, f"{page}: a chapter number with a leading zero: {zeros[:3]}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_are_published_with_folded_solutions(notebook):
    article = _page(notebook.stem).select_one("article")
    exercises = article.select("div.exercise")
    solutions = article.select("div.solution")
    assert len(exercises) >= 2 and len(solutions) == len(exercises), f"{notebook.stem}: exercises or solutions lost"
    for solution in solutions:
        assert "dropdown" in solution["class"], f"{notebook.stem}: a solution is shown, not folded away"
    # The code solutions are inside their solution, outputs and all.
    assert any(solution.select("div.cell div.cell_output") for solution in solutions)
