"""annotator: read source texts, label character spans, review labels, export exact datasets."""

__version__ = "0.1.0"
