"""The review window's actions: id, menu text, default shortcuts, handler method name.

Single letters (N, P, A, C, R, J, K, H) act when a lane or table has focus; typing in the reason
box types text instead (Qt gives line edits priority for printable keys). With Shift, the
relation keys: Shift+J / Shift+K next / previous relation of the unit, Shift+A accept it,
Shift+R reject it, Shift+Insert add a relation from the span marked with H to the clicked
reviewed span.
"""

from __future__ import annotations

__all__ = ["ACTIONS", "TOOLBAR"]

# id, text, shortcuts, handler name
ACTIONS = (
    ("previous", "Previous Disagreement", ("P", "Shift+F8"), "previous_disagreement"),
    ("next", "Next Disagreement", ("N", "F8"), "next_disagreement"),
    ("previous_mark", "Previous Span in Unit", ("K",), "previous_mark"),
    ("next_mark", "Next Span in Unit", ("J",), "next_mark"),
    ("accept", "Accept", ("A",), "accept"),
    ("accept_changes", "Accept with Changes", ("C",), "accept_with_changes"),
    ("reject", "Reject", ("R",), "reject"),
    ("add", "Add from Selection", ("Insert", "+"), "add_from_selection"),
    ("accept_agreed", "Accept All Agreed", ("Ctrl+Shift+A",), "accept_all_agreed"),
    ("delete", "Delete Reviewed Span", ("Delete",), "delete_reviewed"),
    ("next_relation", "Next Relation in Unit", ("Shift+J",), "next_relation"),
    ("previous_relation", "Previous Relation in Unit", ("Shift+K",), "previous_relation"),
    ("accept_relation", "Accept Relation", ("Shift+A",), "accept_relation"),
    ("reject_relation", "Reject Relation", ("Shift+R",), "reject_relation"),
    ("relation_head", "Mark Reviewed Span as Relation Head", ("H",), "mark_relation_head"),
    ("add_relation", "Add Relation from the Head", ("Shift+Insert",), "add_relation"),
    ("undo", "Undo", ("Ctrl+Z",), "undo"),
    ("redo", "Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "redo"),
    ("end_right", "Extend End", ("Alt+Right",), "nudge_end_right"),
    ("end_left", "Shrink End", ("Alt+Left",), "nudge_end_left"),
    ("start_left", "Extend Start", ("Alt+Shift+Left",), "nudge_start_left"),
    ("start_right", "Shrink Start", ("Alt+Shift+Right",), "nudge_start_right"),
)
TOOLBAR = ("previous", "next", "accept", "accept_changes", "reject", "add", "accept_agreed",
           "delete", "undo", "redo")
