"""The one English stop-word list: function words that are never a search term, never the start of a name, never
a content word of a long form and never needed for an answer to match.

It is bm25s's ``STOPWORDS_EN_PLUS`` (NLTK's list) joined with the connectives and modal verbs that name mining
needs, the question words that carry the answer type rather than the topic ("how many", "whose", "tell me"), and
the letters left over from "i.e." and "'s". "may" is not in it: it is also a month ("in May 2005").
"""

from __future__ import annotations

STOPWORDS = frozenset(
    """a about above accordingly across additionally after again against ain all also although am among an and
    another any are aren aren't as at be because been before being below between both but by called can
    consequently could couldn couldn't d did didn didn't do does doesn doesn't doing don don't down due during e
    each every few finally for from further furthermore had hadn hadn't has hasn hasn't have haven haven't having
    he hence her here hers herself him himself his how however i if in including indeed into is isn isn't it it's
    its itself just less like ll m ma many me meanwhile might mightn mightn't more moreover most much must mustn
    mustn't my myself named needn needn't no nor not now o of off on once only onto or other our ours ourselves
    out over own per please re s same shall shan shan't she she's should should've shouldn shouldn't similarly
    since so some specifically such t tell than that that'll the their theirs them themselves then there therefore
    these they this those though through thus to too toward towards under unlike until up upon ve very via was
    wasn wasn't we were weren weren't what when where whereas which while who whom whose why will with within
    without won won't would wouldn wouldn't y yet you you'd you'll you're you've your yours yourself
    yourselves""".split()
)
"""Lower-case English function words (see the module docstring)."""
