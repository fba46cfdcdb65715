"""The items of Civil Code art. 278 and the least matter class each needs (R5 of issue #13).

Items (6) raising the maintenance fund, (7) rebuilding or reconstruction and (8) changing the use of common
parts or using them for business are major (three quarters, R20); items (1)–(5) and (9) are ordinary (R19).
Art. 279 (turning a home into business premises) is not an item of art. 278: it needs every interested
owner's consent (R25), so a motion of that class names no item. A committee may class a motion higher than
its item requires, never lower.
"""

from __future__ import annotations

from govern.core.rules import Matter

#: Art. 278 items, 1-based, with their subject (the UI translates the labels).
ITEMS: dict[int, str] = {
    1: "rules of procedure of the owners' assembly",
    2: "the management covenant",
    3: "electing or replacing the owners' committee",
    4: "hiring or dismissing the property company or another manager",
    5: "using the maintenance fund",
    6: "raising the maintenance fund",
    7: "rebuilding or reconstructing buildings and their facilities",
    8: "changing the use of common parts or using them for business",
    9: "other major matters of common ownership and management",
}
MAJOR_ITEMS = frozenset({6, 7, 8})
#: Order of the classes of art. 278 (art. 279 stands apart).
_RANK = {Matter.ORDINARY: 0, Matter.MAJOR: 1}


def least_matter(item: int) -> Matter:
    """The class an art. 278 item needs at least: major for (6)-(8), ordinary otherwise."""
    if item not in ITEMS:
        raise ValueError(f"art. 278 has no item {item!r} (1 to 9)")
    return Matter.MAJOR if item in MAJOR_ITEMS else Matter.ORDINARY


def item_problem(item: int | None, matter: str) -> str | None:
    """Why ``matter`` may not decide art. 278 ``item`` (None when it may).

    ``"unknown_item"`` (not 1-9), ``"item_with_unanimity"`` (an art. 279 motion names an item of art. 278),
    ``"matter_below_item"`` (a class lower than the item needs).
    """
    if item is None:
        return None
    if item not in ITEMS:
        return "unknown_item"
    chosen = Matter(matter)
    if chosen is Matter.UNANIMOUS_INTERESTED:
        return "item_with_unanimity"
    return "matter_below_item" if _RANK[chosen] < _RANK[least_matter(item)] else None
