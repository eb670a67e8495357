"""The documentation site builds strictly: a broken link between the docs, a missing anchor, a
page missing from the nav or an API reference (mkdocstrings) that no longer resolves fails
`mkdocs build --strict`, and so this test. Fails too when a page of the nav is not built."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

pytest.importorskip("mkdocs", reason="the docs extra (pip install -e '.[docs]') is not installed")


def nav_pages(nav) -> list[str]:
    """The Markdown and notebook files the nav of mkdocs.yml names."""
    pages = []
    for item in nav:
        value = item if isinstance(item, str) else next(iter(item.values()))
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_the_site_builds_strictly_with_every_page(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = nav_pages(config["nav"])
    built_pages = sorted(site.rglob("index.html"))
    assert len(built_pages) >= len(pages) >= 25, (len(built_pages), len(pages))
    for page in pages:
        stem = Path(page).with_suffix("")
        html = site / ("index.html" if str(stem) == "index" else stem / "index.html")
        assert html.exists(), f"{page} of the nav was not built"
    # the API reference is made from the docstrings, not left empty
    api = (site / "api" / "runner" / "index.html").read_text(encoding="utf-8")
    assert 'id="collabsim.runs.runner.run_replicates"' in api
