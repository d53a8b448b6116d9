"""English for the Korean words of a question or a document about industrial and regional policy.

The embedding model is English-only, and a Korean question shares no word with an English document: "2020년
혁신도시 시즌2 주요 사업 예산은 얼마인가?" reaches an English text only through "2020". The words below are the
common vocabulary of budgets, firms, jobs, places, plans and agencies (not the names of any one document's
programmes): a Korean question gets their English added to its query and to its analysed terms, as an acronym
gets its long form. Korean text in the corpus is matched by its own words and, for an English question, by
their English too: in the BM25 index (``with_english``), and with its names romanized as well in the dense model's
text, the retriever's sentence terms and the answerer's stems (``korean_in_latin``, ``searchable``).
"""

from __future__ import annotations

import re
from functools import lru_cache

_GLOSSARY = """
예산 budget | 사업비 project cost budget | 총사업비 total project cost | 국비 national government funding |
시비 city funding | 도비 provincial funding | 지원금 grant funding | 보조금 subsidy grant | 지원 support funding |
투자 investment invested | 투자액 investment amount | 외국인직접투자 foreign direct investment | 유치 attracted attraction |
매출 revenue sales | 매출액 revenue sales | 수출 exports | 수출액 export value | 수입 imports | 생산 production output |
생산액 production output value | 부가가치 value added | 고용 employment employed | 종사자 employees workers |
근로자 workers | 일자리 jobs | 인구 population residents | 계획인구 planned population | 주민 residents |
거주 residents living | 기업 companies firms | 업체 companies firms | 입주기업 tenant companies firms |
입주 located tenants moved | 중소기업 SMEs small medium enterprises | 대기업 large companies | 창업 start-ups founded |
스타트업 start-ups | 벤처 venture | 연구소기업 research institute enterprises | 연구소 research institutes |
연구기관 research institutes | 출연연 government research institutes | 대학 universities | 대학교 university |
정부 government | 중앙정부 central government | 지방정부 local government | 지자체 local government |
부처 ministry | 장관 minister | 대통령 president | 교육부 Ministry of Education |
산업통상자원부 Ministry of Trade Industry and Energy MOTIE | 산업자원부 Ministry of Commerce Industry and Energy |
과학기술정보통신부 Ministry of Science and ICT MSIT | 국토교통부 Ministry of Land Infrastructure and Transport MOLIT |
기획재정부 Ministry of Economy and Finance | 고용노동부 Ministry of Employment and Labor | 경제산업성 METI |
문부과학성 MEXT | 연방 federal | 의회 Congress parliament | 클러스터 cluster clusters |
산업단지 industrial complex complexes | 국가산업단지 national industrial complex | 단지 complex park |
과학단지 science park | 연구단지 research complex science town | 특구 special zone district |
연구개발특구 special R&D zone | 혁신도시 innovation city cities | 도시 city cities | 지역 region regional area |
지방 regional provincial | 수도권 capital region | 광역 metropolitan | 국가 national country | 전국 nationwide national |
사업 project programme program | 사업단 project team | 프로그램 programme program | 계획 plan planned |
종합계획 comprehensive plan | 전략 strategy | 정책 policy | 제도 scheme system | 특별법 special act |
법률 law act | 시범사업 pilot programme project | 선정 selected chosen | 지정 designated designation |
설립 established founded | 설치 established set up | 개소 opened | 개원 opened | 출범 launched |
시작 started began | 착공 construction started | 준공 completed | 완료 completed | 조성 development built |
건설 construction | 개발 development | 이전 relocation relocated | 기술이전 technology transfers |
이전기관 relocated institutions | 공공기관 public institutions | 평가 evaluation | 성과 performance results outcomes |
실적 performance results | 목표 target goal | 달성률 achievement rate | 달성 achieved | 비율 share ratio rate |
비중 share proportion | 증가 increase grew | 감소 decline fell | 성장 growth | 연평균 annual average |
연간 annual per year | 매년 every year annually | 누적 cumulative | 합계 total | 최대 maximum up to |
상한 cap maximum | 최소 minimum | 평균 average | 면적 area | 규모 size scale | 헥타르 hectares |
특허 patents | 논문 papers | 인력 workforce personnel | 인재 talent | 연구원 researchers | 과학자 scientists |
엔지니어 engineers | 학생 students | 졸업생 graduates | 취업 employment jobs | 채용 hiring hired |
지역인재 local talent hiring | 의무 mandatory quota | 후속 successor follow-up | 명칭 name called |
이름 name called | 영문 English | 정식 official | 참여 participated participants | 협약 agreement |
양해각서 MOU memorandum | 협력 cooperation collaboration | 네트워크 network | 혁신 innovation |
산학연 industry academia research | 인공지능 artificial intelligence AI | 데이터센터 data centre |
연산 computing | 반도체 semiconductor | 바이오 bio | 의료기기 medical devices | 조선 shipbuilding |
자동차 automotive | 재생에너지 renewable energy | 에너지 energy | 관광객 tourists visitors | 방문객 visitors |
비자 visa | 부동산 real estate property | 위기 crisis | 고용위기지역 employment crisis area | 산업위기 industrial crisis |
대응 response | 기간 period | 경쟁 competition | 기금 fund | 재단 foundation | 위원회 committee |
민간 private | 민자 private capital | 공공 public | 소재 materials | 부품 parts components | 장비 equipment |
전력 power electricity | 용수 water | 인프라 infrastructure | 부지 site land | 공장 factory plant |
가동 operation operating | 승인 approval approved | 시행자 developer implementing body | 기관 agency institution |
센터 centre center | 실증 demonstration | 생산능력 production capacity | 확정 confirmed finalised |
발표 announced | 투입 invested put into | 배터리 battery batteries | 이차전지 secondary battery batteries |
수소 hydrogen | 전기차 electric vehicles | 디스플레이 display | 항공 aviation aerospace | 우주 space |
로봇 robots robotics | 제약 pharmaceutical | 석유화학 petrochemical | 철강 steel | 기계 machinery |
섬유 textiles | 물류 logistics | 관광 tourism | 농업 agriculture | 식품 food |
"""
KO_EN: dict[str, str] = {
    k: v
    for entry in _GLOSSARY.replace("\n", " ").split("|")
    if entry.strip()
    for k, _, v in [entry.strip().partition(" ")]
}
_WORDS = re.compile("|".join(sorted(map(re.escape, KO_EN), key=len, reverse=True)))
HANGUL = re.compile(r"[\uac00-\ud7a3]")  # a Hangul syllable


@lru_cache(maxsize=4096)
def english_for(text: str) -> str:
    """The English of the glossary's Korean words in ``text`` (the longest first: "연구소기업" is one word, not
    "연구소" and "기업"), each once, in order; empty for text with no Hangul."""
    if not HANGUL.search(text):
        return ""
    return " ".join(dict.fromkeys(KO_EN[m.group(0)] for m in _WORDS.finditer(text)))


def with_english(text: str) -> str:
    """``text`` followed by the English of its Korean words."""
    english = english_for(text)
    return f"{text} {english}" if english else text


def korean_in_latin(text: str) -> str:
    """The English of the Korean words of ``text`` (this glossary) and the romanized spellings of its names
    (``text.romanize``); empty for text without Hangul."""
    if not HANGUL.search(text):
        return ""
    from qa_service.text.romanize import romanized_names

    return f"{english_for(text)} {romanized_names(text)}"


def searchable(text: str) -> str:
    """``text`` as the retriever's sentence terms and the answerer's stems read it: a Korean text followed by
    ``korean_in_latin``, so that an English question's words are found in it ("Pohang ... private investment" ->
    "포항 ... 민간투자"). Text without Hangul is unchanged."""
    extra = korean_in_latin(text)
    return f"{text} {extra}" if extra else text
