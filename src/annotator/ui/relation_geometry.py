"""The shapes of relation arcs (for :mod:`annotator.ui.relation_arcs`): the curve from a head's
tag to a tail's tag and its arrowhead, in viewport coordinates. Qt geometry types only; no
widget, no painting."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainterPath, QPolygonF

__all__ = ["MAX_RISE", "arc_controls", "arc_path", "arrowhead"]

#: How far (px) an arc rises above the tags when there is no lane for it (another font).
MAX_RISE = 30.0
#: Half the angle of an arrowhead (radians), as cosine and sine.
_COS, _SIN = math.cos(0.45), math.sin(0.45)


def arc_controls(p: QPointF, q: QPointF, lane: float) -> tuple[QPointF, QPointF]:
    """The two control points of the cubic from ``p`` to ``q``: on one line it rises into the
    lane above the tags (``lane`` px high; its top on the lane's top); between lines it
    leaves and enters each tag from above. Without a lane (0) it rises by its length, at most
    ``MAX_RISE``."""
    px, py, qx, qy = p.x(), p.y(), q.x(), q.y()
    dx = qx - px
    one_line = abs(py - qy) < 2.0
    if lane > 0:
        rise = (lane + 0.5) / 0.75  # a cubic's top lies 3/4 of the way to its controls
    elif one_line:
        rise = min(MAX_RISE, 10.0 + abs(dx) * 0.12)
    else:
        rise = min(MAX_RISE, 14.0 + abs(dx) * 0.05)
    if one_line:
        return QPointF(px + dx * 0.1, py - rise), QPointF(qx - dx * 0.1, qy - rise)
    return QPointF(px, py - rise), QPointF(qx, qy - rise)


def arc_path(p: QPointF, q: QPointF, lane: float) -> tuple[QPainterPath, QPointF]:
    """The curve from ``p`` to ``q`` (see ``arc_controls``) and the control point it comes
    down from (where its arrowhead points from)."""
    c1, c2 = arc_controls(p, q, lane)
    path = QPainterPath(p)
    path.cubicTo(c1, c2, q)
    return path, c2


def arrowhead(tip: QPointF, towards: QPointF, size: float) -> QPolygonF:
    """A triangle with its point at ``tip``, coming from ``towards``, ``size`` px long."""
    tx, ty = tip.x(), tip.y()
    dx, dy = tx - towards.x(), ty - towards.y()
    length = math.hypot(dx, dy)
    if length == 0:
        dx, dy, length = 0.0, 1.0, 1.0  # straight down
    ux, uy = dx / length * size, dy / length * size
    # the direction turned by -0.45 and +0.45 radians, back from the tip
    return QPolygonF([tip, QPointF(tx - (ux * _COS + uy * _SIN), ty - (uy * _COS - ux * _SIN)),
                      QPointF(tx - (ux * _COS - uy * _SIN), ty - (uy * _COS + ux * _SIN))])
