"""The team hub: one PostgreSQL database shared by a team, synchronised with each analyst's
local project file.

This is the only package that talks PostgreSQL (through psycopg 3), as ``annotator.store`` is
the only one that talks SQLite. PostgreSQL itself decides who may do what: login roles, grants
and row-level security (:mod:`annotator.hub.schema`); there is no server program of our own.

- :mod:`annotator.hub.client`: connecting (URL, service file, pgpass, environment), errors;
- :mod:`annotator.hub.schema`: the hub's tables, triggers, grants and policies, versioned;
- :mod:`annotator.hub.roles`: members and their PostgreSQL login roles;
- :mod:`annotator.hub.admin`: publishing documents and the label set, assignments, status;
- :mod:`annotator.hub.sync`: pushing my layer's changes and pulling everything else
  (:mod:`~annotator.hub.push`, :mod:`~annotator.hub.pull`, :mod:`~annotator.hub.apply`,
  :mod:`~annotator.hub.labelset`, :mod:`~annotator.hub.report`).
"""

import importlib.util


def driver_missing() -> str | None:
    """What to install when psycopg 3 (the hub's driver, the ``hub`` extra) is missing;
    None when it is there. Imports nothing."""
    if importlib.util.find_spec("psycopg") is None:
        return "the team hub needs psycopg 3: pip install 'annotator[hub]'"
    return None
