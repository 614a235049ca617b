"""Dialogs of the window: import and export with progress, prompts, project files, messages.

None of them uses a blocking ``exec()``: file and text prompts are the static ``QFileDialog`` /
``QInputDialog`` functions (which tests replace with plain functions), and the export dialog and
messages are opened with ``open()`` so the event loop keeps running.
"""
