"""Civil Code art. 278 (1)–(9): the matters the owners decide jointly, which the committee may not decide (R32)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from govern.core.rules import Matter

#: item → (label, matter class of the owners' vote).
ART278_ITEMS = {
    1: (_l("Art. 278(1): adopting or amending the rules of procedure of the owners' assembly"), Matter.ORDINARY),
    2: (_l("Art. 278(2): adopting or amending the management covenant"), Matter.ORDINARY),
    3: (_l("Art. 278(3): electing the owners' committee or replacing its members"), Matter.ORDINARY),
    4: (_l("Art. 278(4): hiring or dismissing the property service company or other manager"), Matter.ORDINARY),
    5: (_l("Art. 278(5): using the building maintenance fund"), Matter.ORDINARY),
    6: (_l("Art. 278(6): raising the building maintenance fund"), Matter.MAJOR),
    7: (_l("Art. 278(7): rebuilding or reconstructing buildings and their facilities"), Matter.MAJOR),
    8: (_l("Art. 278(8): changing the use of common parts or using them for business"), Matter.MAJOR),
    9: (_l("Art. 278(9): another major matter of common ownership and joint management"), Matter.ORDINARY),
}


def art278_label(item: int | None) -> str:
    return str(ART278_ITEMS[item][0]) if item in ART278_ITEMS else ""


def art278_matter(item: int) -> Matter:
    return ART278_ITEMS[item][1]
