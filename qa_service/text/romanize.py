"""Korean words in Latin letters, by the Revised Romanization of Korean (Ministry of Culture and Tourism, 2000).

English texts spell Korean names the official way: 포항 Pohang, 대덕 Daedeok, 경기 Gyeonggi, 신라 Silla, 종로 Jongno.
The romanized names let an English question ("When was Pohang designated ...?") reach a Korean text it shares no
other word with: the retriever spells the question's names back into the Hangul terms of the index, and the dense
model's text, the sentence terms and the answerer's stems of a Korean text carry its names romanized
(``glossary.korean_in_latin``). The rules are the standard's tables: one
spelling per initial, vowel and final consonant, a final carried over to a following vowel (한국어 hangugeo),
and the sound changes the standard writes (nasals before ㄴ/ㅁ/ㄹ, ㄹ after ㄴ/ㄹ as "ll"). Tensing is not written,
as the standard says (학교 hakgyo).
"""

from __future__ import annotations

import re
from functools import lru_cache

_FIRST, _LAST = 0xAC00, 0xD7A3
_INITIALS = ("g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h")
_VOWELS = (
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu",
    "ui", "i",
)  # fmt: skip
# Per final consonant (jamo order: none, ㄱ ㄲ ㄳ ㄴ ㄵ ㄶ ㄷ ㄹ ㄺ ㄻ ㄼ ㄽ ㄾ ㄿ ㅀ ㅁ ㅂ ㅄ ㅅ ㅆ ㅇ ㅈ ㅊ ㅋ ㅌ ㅍ ㅎ):
# its sound before a consonant or at the end of a word, and its spelling carried over to a following vowel.
_CODA = ("", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng",
         "t", "t", "k", "t", "p", "t")  # fmt: skip
_LINKED = ("", "g", "kk", "gs", "n", "nj", "n", "d", "r", "lg", "lm", "lb", "ls", "lt", "lp", "r", "m", "b", "bs", "s",
           "ss", "ng", "j", "ch", "k", "t", "p", "")  # fmt: skip
_SILENT, _N, _R, _M = 11, 2, 5, 6  # initial ㅇ, ㄴ, ㄹ, ㅁ
_NASAL = {"k": "ng", "t": "n", "p": "m"}  # a stop before ㄴ or ㅁ (백마 baengma, 합니다 hamnida)
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")
MAX_PREFIX = 4  # syllables: place and organisation names open a compound ("포항테크노파크", "대덕연구개발특구")


def _syllables(word: str) -> list[tuple[int, int, int]]:
    out = []
    for ch in word:
        code = ord(ch) - _FIRST
        out.append((code // 588, (code % 588) // 28, code % 28))
    return out


@lru_cache(maxsize=65536)
def romanize(word: str) -> str:
    """The Revised Romanization of a word of Hangul syllables (lower case; other characters are dropped)."""
    parts = _syllables("".join(ch for ch in word if _FIRST <= ord(ch) <= _LAST))
    out: list[str] = []
    onset: str | None = None  # the next syllable's initial as a sound change left it
    for i, (initial, vowel, final) in enumerate(parts):
        out.append(_INITIALS[initial] if onset is None else onset)
        out.append(_VOWELS[vowel])
        onset = None
        coda = _CODA[final]
        if i + 1 == len(parts) or not final:
            out.append(coda)
            continue
        nxt = parts[i + 1][0]
        if nxt == _SILENT:  # carried over: 한국어 han-gu-geo; ㅇ stays (영월 yeongwol)
            if final == 21:
                out.append("ng")
            else:
                onset = _LINKED[final]
            continue
        if nxt in (_N, _M):
            if coda == "l" and nxt == _N:  # 설날 seollal
                onset = "l"
            out.append(_NASAL.get(coda, coda))
            continue
        if nxt == _R:
            if coda in ("n", "l"):  # 신라 silla, 울릉 ulleung
                out.append("l")
                onset = "l"
            else:  # 종로 jongno, 백리 baengni, 협력 hyeomnyeok
                out.append(_NASAL.get(coda, coda))
                onset = "n"
            continue
        out.append(coda)
    return "".join(out)


def romanized_names(text: str) -> str:
    """The romanized openings (two to ``MAX_PREFIX`` syllables) of the Korean words of ``text``, each once: the
    spellings its names have in English ("포항테크노파크에서" -> "pohang pohangte ..."), whatever particle or
    compound follows them. Empty for text without Hangul."""
    seen: dict[str, None] = {}
    for match in _HANGUL_WORD.finditer(text):
        word = match.group(0)
        for n in range(2, min(len(word), MAX_PREFIX) + 1):
            seen.setdefault(romanize(word[:n]))
    return " ".join(seen)
