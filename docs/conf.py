"""Sphinx configuration: MyST Markdown pages, API reference from docstrings."""

import asynctestkit

project = "asynctestkit"
author = "The asynctestkit developers"
copyright = "2026, The asynctestkit developers"
version = release = asynctestkit.__version__

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown"}
myst_heading_anchors = 3
exclude_patterns = ["_build"]
html_theme = "alabaster"
autodoc_member_order = "bysource"
autodoc_typehints = "description"
