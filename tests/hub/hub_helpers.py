"""Shared pieces of the hub tests: the team's texts, its handle, and row-by-row views of the
spans on the hub and in a local project."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg


TEXTS = [
    "米CNNは、金氏が「戦闘機や飛行場の様子を見学し…」と報じました。𠮷野家の前で😀。",
    "北朝鮮の朝鮮中央通信は、ミサイル2発を発射したと伝えました。",
    "防衛省によりますと、弾道ミサイルは日本海に落下したということです。",
]


@dataclass
class Team:
    """A hub with a lead, two annotators and a reviewer, three published documents."""

    db: Any  # conftest.HubDB
    lead: str
    alice: str
    bob: str
    rita: str
    shas: list[str]
    root: Path

    def url(self, who: str) -> str:
        return self.db.url(who)

    def project(self, who: str):  # noqa: ANN201
        from annotator.store import Project

        return Project.open(self.root / f"{who}.annotator")

    def session(self, who: str):  # noqa: ANN201
        from annotator.hub.client import connect

        return connect(self.url(who))




def hub_spans(admin_url: str, layer: str | None = None) -> dict[str, tuple]:
    """Every span on the hub (as the superuser), by id: (sha, start, end, label, layer,
    note, updated_at)."""
    with psycopg.connect(admin_url) as conn:
        sql_text = ('SELECT id, document_sha, start, "end", label, annotator, note, updated_at '
                    "FROM hub.spans")
        params: list = []
        if layer is not None:
            sql_text += " WHERE annotator = %s"
            params.append(layer)
        return {r[0]: tuple(r[1:]) for r in conn.execute(sql_text, params)}


def local_spans(project, layer: str | None = None) -> dict[str, tuple]:  # noqa: ANN001
    """The project's spans in the same shape as :func:`hub_spans`."""
    shas = {d.id: d.sha256 for d in project.documents()}
    out = {}
    for s in project.spans(annotators=None if layer is None else [layer]):
        out[s.id] = (shas[s.document_id], s.start, s.end, s.label, s.annotator, s.note,
                     s.updated_at)
    return out
