"""The logo and favicon in book/_static are what tools/make_artwork.py draws, and valid SVG."""

import importlib.util
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT


def _artwork():
    spec = importlib.util.spec_from_file_location("make_artwork", ROOT / "tools" / "make_artwork.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["logo.svg", "favicon.svg"])
def test_committed_artwork_is_the_script_output(name):
    artwork = _artwork()
    committed = (artwork.STATIC / name).read_text()
    assert committed == artwork.ARTWORK[name](), f"book/_static/{name} is stale: run python tools/make_artwork.py"
    root = ET.fromstring(committed)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
