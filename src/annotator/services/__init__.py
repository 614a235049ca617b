"""Use-cases in pure Python: import, export, validation, review, reading aids."""
