"""Name pools for synthetic people, organisations and watch-list entries (test and demo data).

The Chinese pools deliberately include compound surnames and surnames whose reading differs
from the character's common reading (单 Shan, 曾 Zeng, 区 Ou, ...), and given-name characters
with several readings, because those are what transliteration-blind screening gets wrong.
"""

from __future__ import annotations

import numpy as np


def _words(text: str) -> list[str]:
    return text.split()


# (surname, its reading as a surname, relative frequency)
SURNAMES: list[tuple[str, str, float]] = [
    (s, p, w)
    for s, p, w in [
        ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.4), ("陈", "chen", 4.5),
        ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.0), ("吴", "wu", 1.9), ("周", "zhou", 1.9),
        ("徐", "xu", 1.3), ("孙", "sun", 1.3), ("马", "ma", 1.2), ("朱", "zhu", 1.2), ("胡", "hu", 1.1),
        ("郭", "guo", 1.1), ("何", "he", 1.0), ("高", "gao", 1.0), ("林", "lin", 1.0), ("罗", "luo", 0.9),
        ("郑", "zheng", 0.9), ("梁", "liang", 0.8), ("谢", "xie", 0.7), ("宋", "song", 0.7), ("唐", "tang", 0.7),
        ("许", "xu", 0.7), ("韩", "han", 0.6), ("冯", "feng", 0.6), ("邓", "deng", 0.6), ("曹", "cao", 0.6),
        ("彭", "peng", 0.6), ("曾", "zeng", 0.6), ("肖", "xiao", 0.6), ("田", "tian", 0.5), ("董", "dong", 0.5),
        ("袁", "yuan", 0.5), ("潘", "pan", 0.5), ("于", "yu", 0.5), ("蒋", "jiang", 0.5), ("蔡", "cai", 0.5),
        ("余", "yu", 0.5), ("杜", "du", 0.5), ("叶", "ye", 0.5), ("程", "cheng", 0.5), ("苏", "su", 0.4),
        ("魏", "wei", 0.4), ("吕", "lv", 0.4), ("丁", "ding", 0.4), ("任", "ren", 0.4), ("沈", "shen", 0.4),
        ("姚", "yao", 0.4), ("卢", "lu", 0.4), ("姜", "jiang", 0.4), ("崔", "cui", 0.4), ("钟", "zhong", 0.4),
        ("谭", "tan", 0.4), ("陆", "lu", 0.3), ("汪", "wang", 0.3), ("范", "fan", 0.3), ("金", "jin", 0.3),
        ("石", "shi", 0.3), ("廖", "liao", 0.3), ("贾", "jia", 0.3), ("夏", "xia", 0.3), ("韦", "wei", 0.3),
        ("方", "fang", 0.3), ("白", "bai", 0.3), ("邹", "zou", 0.3), ("孟", "meng", 0.3), ("熊", "xiong", 0.3),
        ("秦", "qin", 0.3), ("邱", "qiu", 0.3), ("江", "jiang", 0.3), ("尹", "yin", 0.3), ("薛", "xue", 0.3),
        ("段", "duan", 0.2), ("雷", "lei", 0.2), ("侯", "hou", 0.2), ("龙", "long", 0.2), ("史", "shi", 0.2),
        ("陶", "tao", 0.2), ("黎", "li", 0.2), ("贺", "he", 0.2), ("顾", "gu", 0.2), ("毛", "mao", 0.2),
        ("郝", "hao", 0.2), ("龚", "gong", 0.2), ("邵", "shao", 0.2), ("万", "wan", 0.2), ("钱", "qian", 0.2),
        ("严", "yan", 0.2), ("覃", "qin", 0.1), ("武", "wu", 0.2), ("戴", "dai", 0.2), ("莫", "mo", 0.1),
        ("孔", "kong", 0.1), ("向", "xiang", 0.1), ("汤", "tang", 0.1),
        # readings that differ from the character's everyday reading
        ("单", "shan", 0.1), ("区", "ou", 0.05), ("仇", "qiu", 0.05), ("解", "xie", 0.05), ("朴", "piao", 0.05),
        ("查", "zha", 0.05), ("盖", "ge", 0.05), ("乐", "yue", 0.05), ("缪", "miao", 0.05), ("种", "chong", 0.03),
        ("尉迟", "yuchi", 0.02), ("万俟", "moqi", 0.01),
        # compound surnames
        ("欧阳", "ouyang", 0.1), ("司马", "sima", 0.05), ("诸葛", "zhuge", 0.05), ("上官", "shangguan", 0.05),
        ("东方", "dongfang", 0.03), ("皇甫", "huangfu", 0.03), ("慕容", "murong", 0.02), ("令狐", "linghu", 0.02),
        ("司徒", "situ", 0.03), ("夏侯", "xiahou", 0.02), ("公孙", "gongsun", 0.02),
    ]
]  # fmt: skip
SURNAME_READING = {s: p for s, p, _ in SURNAMES}
COMPOUND_SURNAMES = {s for s, _, _ in SURNAMES if len(s) > 1}

GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂文华建国志海玉兰红梅丹飞鹏辉宇浩凯健俊帆帅旭宁龙林欣佳雪慧"
    "婷晶颖琳倩晨阳思雨梓涵子轩博睿嘉怡萱瑶诗鑫彤泽昊天一铭宏成东亮斌波春燕新利福生荣祥德庆永兵峰琴云莉萍璐蕾"
    "薇婕蓉翔然乐行重长朝和晓小彬振鸿立松柏杉瑞琪璇婉君卫民红岩川江河山岚晴露霖青松竹菊莲荷蕊芝蓓佩珊琦瑾瑜"
)

LATIN_FIRST = _words(
    "Ahmed Ali Omar Hassan Ivan Dmitri Sergei Olga Natalia John Michael David James Robert Maria Ana Carlos Jose "
    "Luis Juan Pedro Miguel Fatima Aisha Yusuf Ibrahim Khalid Mohammed Abdul Rashid Viktor Nikolai Boris Elena "
    "Svetlana Peter Paul Thomas George William Anna Sofia Laura Lucia Marco Giovanni Hans Klaus Pierre Jean Ali "
    "Kim Min Park Jae Hyun Nguyen Van Minh Tuan Ravi Sanjay Priya Amit Rahul Hamid Reza Mehdi Nasser Tariq Samir"
)
LATIN_LAST = _words(
    "Smith Johnson Brown Taylor Anderson Thomas Jackson White Harris Martin Thompson Garcia Martinez Robinson Clark "
    "Rodriguez Lewis Lee Walker Hall Allen Young Hernandez King Wright Lopez Hill Scott Green Adams Baker Gonzalez "
    "Nelson Carter Mitchell Perez Roberts Turner Phillips Campbell Ivanov Petrov Sidorov Smirnov Kuznetsov Popov "
    "Volkov Sokolov Morozov Novikov Al-Hassan Al-Rashid Al-Farsi Haddad Khoury Nasser Mansour Saleh Karimi "
    "Hosseini Ahmadi Rahimi Moradi Kapoor Sharma Gupta Singh Patel Reddy Nguyen Tran Pham Le Hoang Kim Park Choi "
    "Jung Kang Cho Yoon Jang Rossi Russo Ferrari Esposito Bianchi Romano Colombo Muller Schmidt Schneider Fischer"
)


def chinese_name(rng: np.random.Generator) -> str:
    sw = np.array([w for _, _, w in SURNAMES])
    surname = SURNAMES[rng.choice(len(SURNAMES), p=sw / sw.sum())][0]
    n_given = 1 if rng.random() < 0.3 else 2
    given = "".join(GIVEN_CHARS[i] for i in rng.integers(0, len(GIVEN_CHARS), n_given))
    return surname + given


def chinese_names(rng: np.random.Generator, n: int) -> list[str]:
    sw = np.array([w for _, _, w in SURNAMES])
    s_idx = rng.choice(len(SURNAMES), size=n, p=sw / sw.sum())
    n_given = np.where(rng.random(n) < 0.3, 1, 2)
    g = rng.integers(0, len(GIVEN_CHARS), size=(n, 2))
    return [
        SURNAMES[s][0] + GIVEN_CHARS[g[i, 0]] + (GIVEN_CHARS[g[i, 1]] if n_given[i] == 2 else "")
        for i, s in enumerate(s_idx)
    ]


_ONSETS = _words("b br bl d dr f fr g gr h k kh kr l m n p pr r s sh st t tr v w z ch j y al el or ur st sk")
_NUCLEI = _words("a e i o u ai ei ou ia ae io ua")
_CODAS = _words("n r s l k v m d z ff ko ov ez ini ski son sen berg ova man")


def latin_surnames(rng: np.random.Generator, n: int) -> list[str]:
    """Made-up surnames (onset-vowel x 1-2 + ending) so a large list is not all homonyms."""
    out = []
    for _ in range(n):
        parts = [
            _ONSETS[rng.integers(len(_ONSETS))] + _NUCLEI[rng.integers(len(_NUCLEI))] for _ in range(rng.integers(1, 3))
        ]
        out.append(("".join(parts) + _CODAS[rng.integers(len(_CODAS))]).capitalize())
    return out


def latin_names(rng: np.random.Generator, n: int) -> list[str]:
    surnames = LATIN_LAST + latin_surnames(np.random.default_rng(12345), 20_000)
    f = rng.integers(0, len(LATIN_FIRST), size=(n, 2))
    last = rng.integers(0, len(surnames), size=n)
    middle = rng.random(n) < 0.3
    return [
        LATIN_FIRST[f[i, 0]] + (" " + LATIN_FIRST[f[i, 1]] if middle[i] else "") + " " + surnames[last[i]]
        for i in range(n)
    ]


def organisation_names(rng: np.random.Generator, n: int) -> list[str]:
    places = _words("北京 上海 深圳 广州 杭州 南京 成都 武汉 天津 重庆 苏州 厦门")
    trades = _words("贸易 投资 实业 科技 物流 置业 咨询 控股 商贸 电子")
    words = _words("恒 泰 华 信 达 兴 隆 盛 鑫 源 宏 富 安 和 瑞 德")
    out = []
    for _ in range(n):
        p, t = places[rng.integers(len(places))], trades[rng.integers(len(trades))]
        w = words[rng.integers(len(words))] + words[rng.integers(len(words))]
        out.append(f"{p}{w}{t}有限公司")
    return out
