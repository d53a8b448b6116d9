"""What sort of figure a question asks for, and what sort a figure is: a total, a rate or average, a cap, a target
or an outcome, a first (preliminary) or a final (revised, audited) figure.

"How much did VINNOVA spend on all initiatives in 2003–2015" wants a total, not "SEK 7.2 million per year";
"how much was actually invested" wants the outcome, not the target beside it; "on average, how much did each
initiative get" wants neither the cap ("up to SEK 10 million") nor the total. The words that mark these are
plain English and Korean, the same in any document; the ranker learns how much each agreement or clash counts.
"""

from __future__ import annotations

import re
from functools import lru_cache

_MARKS = {
    "total": r"\b(?:in )?total(?:s|led|ling|ed|ing)?\b|\bin all\b|\baltogether\b|\bcombined\b|\bcumulative(?:ly)?\b|"
             r"\boverall\b|\ball\b|\baggregate\b|\ball told\b|\badd(?:s|ed)? up\b|\bsum\b|\bwhole\b|\bentire\b|"
             r"총|누적|합계|전체",
    "rate": r"\bper\b(?! ?cent)|\beach\b|\bevery\b|\bannual(?:ly)?\b|\ba (?:year|month)\b|\byearly\b|\baverage\b|"
            r"\bapiece\b|/\s*(?:yr|year|annum|month)\b|\bp\.a\.|연간|매년|평균|해마다|당\b",
    "cap": r"\bup to\b|\bmaximum\b|\bmax\.|\bat most\b|\bceiling\b|\bcap(?:ped)?\b|\blimit\b|\bno more than\b|"
           r"최대|상한|한도",
    "target": r"\btarget(?:s|ed)?\b|\bgoal\b|\bplan(?:s|ned)?\b|\baim(?:s|ed)?\b|\bexpected\b|\bprojected\b|"
              r"\bforecast\b|\bpledged?\b|\bauthori[sz]\w*|\bbudgeted\b|\benvisaged\b|목표|계획|예정",
    "actual": r"\bactual(?:ly)?\b|\bachieved\b|\breached\b|\brealis\w+|\brealiz\w+|\bspent\b|\bdisbursed\b|"
              r"\bexecuted\b|\bin fact\b|\bin practice\b|실제|실적|달성|집행",
    # a figure as first reported and as finally settled ("the flash estimate of EUR 310 m", "the audited EUR 287 m")
    "final": r"\bfinal(?:ly)?\b|\brevised\b|\bcorrected\b|\breconciled\b|\baudited\b|\bupdated\b|확정|최종",
    "preliminary": r"\bpreliminary\b|\binterim\b|\bflash\b|\bprovisional\b|\binitial(?:ly)?\b|\boriginal(?:ly)?\b|"
                   r"\bearlier\b|잠정|당초",
}  # fmt: skip
_OPPOSITE = {"total": "rate", "rate": "total", "target": "actual", "actual": "target", "cap": "actual",
             "final": "preliminary", "preliminary": "final"}  # fmt: skip
_FOUND = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _MARKS.items()), re.I)
BEFORE, AFTER = 40, 30  # characters either side of a figure that can qualify it ("up to ...", "... per year")


@lru_cache(maxsize=65536)
def marks(text: str) -> frozenset[str]:
    """The classes of qualifier ``text`` uses. A capitalised "Plan" or "Target" names something (the "First
    Comprehensive Plan"); it does not say the figure is planned."""
    out = set()
    for m in _FOUND.finditer(text):
        kind = m.lastgroup
        if kind == "target" and m.group(0)[0].isupper() and m.start() > 0:
            continue
        out.add(kind)
    return frozenset(out)


def window(sentence: str, start: int, end: int) -> str:
    """The text around a figure at ``start:end`` of ``sentence`` that can qualify it, up to a strong break (a
    semicolon, a tab, a full stop) on either side."""
    left = sentence[max(0, start - BEFORE) : start]
    right = sentence[end : end + AFTER]
    left = re.split(r"[;\t]|\.\s", left)[-1]
    right = re.split(r"[;\t]|\.\s", right)[0]
    return f"{left}{sentence[start:end]}{right}"


def agreement(asked: frozenset[str], stated: frozenset[str]) -> tuple[float, float, float]:
    """(classes both name, classes the figure names that the question does not, classes the figure names whose
    opposite the question asks for): "in total" asked, "per year" stated is a clash."""
    agree = len(asked & stated)
    extra = len(stated - asked)
    clash = sum(1 for k in stated if _OPPOSITE.get(k) in asked and k not in asked)
    return float(min(agree, 2)) / 2, float(min(extra, 2)) / 2, float(min(clash, 2)) / 2
