"""Static reference data for the demo insurer: names, places, occupations, products.

Region codes (regions.csv) are real PRC administrative division codes taken from the
python-stdnum location table (itself from the official GB/T 2260 lists): every district
of 33 large cities still in use, plus county-level codes that have existed unchanged since
before 1980. ``valid_from`` is the year a code was created; a resident ID may only carry a
code that existed in the holder's birth year (the validator checks that too).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# The ~100 most common surnames with their approximate share of the population (%).
SURNAMES = (
    "王7.1 李7.0 张6.7 刘5.4 陈4.5 杨3.1 黄2.2 赵2.0 吴2.0 周1.9 徐1.6 孙1.5 马1.5 朱1.3 胡1.3 郭1.2 "
    "何1.2 高1.1 林1.1 罗1.0 郑1.0 梁0.9 谢0.8 宋0.7 唐0.7 许0.7 韩0.7 冯0.7 邓0.7 曹0.6 彭0.6 曾0.6 "
    "肖0.6 田0.5 董0.5 袁0.5 潘0.5 于0.5 蒋0.5 蔡0.5 余0.5 杜0.5 叶0.4 程0.4 苏0.4 魏0.4 吕0.4 丁0.4 "
    "任0.4 沈0.4 姚0.4 卢0.4 姜0.3 崔0.3 钟0.3 谭0.3 陆0.3 汪0.3 范0.3 金0.3 石0.3 廖0.3 贾0.3 夏0.3 "
    "韦0.3 付0.3 方0.3 白0.3 邹0.3 孟0.3 熊0.3 秦0.3 邱0.3 江0.3 尹0.3 薛0.2 闫0.2 段0.2 雷0.2 侯0.2 "
    "龙0.2 史0.2 陶0.2 黎0.2 贺0.2 顾0.2 毛0.2 郝0.2 龚0.2 邵0.2 万0.2 钱0.2 严0.2 覃0.2 武0.2 戴0.2 "
    "莫0.2 孔0.2 向0.2 汤0.2 欧阳0.05 司马0.02"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳晨博文志建国海峰洋亮成东新天子轩泽睿嘉铭豪"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英燕萍红洁琳婷雪慧莹倩颖琪欣怡佳悦梦晶婧璐妍茜蕾薇萱涵诗雨思嘉可馨月若彤"

ORG_WORDS = [
    "华兴",
    "鼎盛",
    "恒通",
    "瑞丰",
    "新创",
    "宏图",
    "博远",
    "联信",
    "汇智",
    "天成",
    "金泰",
    "永辉",
    "星辰",
    "启航",
    "锦程",
    "卓越",
    "嘉禾",
    "泰和",
    "润达",
    "鸿运",
    "海纳",
    "云端",
    "智联",
    "数聚",
    "晟达",
    "铭远",
    "安捷",
    "融创",
    "聚力",
    "方圆",
]
# (suffix, industry written to the occupation column, weight)
ORG_SUFFIXES = (
    ("科技有限公司", "信息传输、软件和信息技术服务业", 0.30),
    ("贸易有限公司", "批发和零售业", 0.15),
    ("实业有限公司", "制造业", 0.14),
    ("投资管理有限公司", "租赁和商务服务业", 0.08),
    ("建设工程有限公司", "建筑业", 0.10),
    ("餐饮管理有限公司", "住宿和餐饮业", 0.07),
    ("物流有限公司", "交通运输、仓储和邮政业", 0.08),
    ("医药有限公司", "医药制造业", 0.05),
    ("教育咨询有限公司", "教育", 0.03),
)
STREETS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "新华路",
    "胜利路",
    "文化路",
    "长江路",
    "黄河路",
    "朝阳路",
    "光明路",
    "幸福路",
    "复兴路",
    "东风路",
    "青年路",
    "迎宾路",
    "滨江路",
    "学府路",
    "科技路",
    "世纪大道",
    "友谊路",
    "健康路",
    "工业大道",
    "花园路",
    "北京路",
    "南京路",
    "湖滨路",
]

# (occupation, median annual income in yuan, weight among working-age adults)
OCCUPATIONS = (
    ("软件工程师", 260_000, 0.05),
    ("教师", 120_000, 0.07),
    ("医生", 200_000, 0.03),
    ("护士", 100_000, 0.03),
    ("会计", 110_000, 0.05),
    ("销售经理", 180_000, 0.05),
    ("公务员", 150_000, 0.05),
    ("个体工商户", 150_000, 0.08),
    ("企业主", 500_000, 0.03),
    ("律师", 300_000, 0.01),
    ("司机", 80_000, 0.05),
    ("厨师", 70_000, 0.03),
    ("工人", 65_000, 0.12),
    ("农民", 40_000, 0.08),
    ("金融从业人员", 300_000, 0.03),
    ("建筑工程师", 180_000, 0.03),
    ("设计师", 150_000, 0.03),
    ("快递员", 75_000, 0.03),
    ("自由职业者", 100_000, 0.04),
    ("家庭主妇", 20_000, 0.04),
)
RETIRED = ("退休人员", 60_000)

# Foreign nationals (share of persons) hold passports.
FOREIGN_NATIONALITIES = (
    ("HK", 0.005),
    ("TW", 0.003),
    ("SG", 0.002),
    ("US", 0.002),
    ("MY", 0.001),
    ("CA", 0.001),
    ("AU", 0.001),
    ("JP", 0.001),
    ("KR", 0.001),
)

MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "170",
    "171",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]
BANK_PREFIXES = ("622202", "621700", "622848", "621661", "622588", "621483", "622262", "621226")

# Telephone area codes and relative weight of the large cities (share of the demo book).
CITIES = {
    "北京市": ("010", 8),
    "上海市": ("021", 8),
    "天津市": ("022", 4),
    "重庆市": ("023", 5),
    "广州市": ("020", 6),
    "深圳市": ("0755", 6),
    "佛山市": ("0757", 2),
    "东莞市": ("0769", 2),
    "杭州市": ("0571", 4),
    "宁波市": ("0574", 2),
    "温州市": ("0577", 2),
    "南京市": ("025", 3),
    "苏州市": ("0512", 3),
    "无锡市": ("0510", 2),
    "成都市": ("028", 5),
    "武汉市": ("027", 4),
    "长沙市": ("0731", 2),
    "济南市": ("0531", 2),
    "青岛市": ("0532", 2),
    "郑州市": ("0371", 3),
    "西安市": ("029", 3),
    "福州市": ("0591", 2),
    "厦门市": ("0592", 1),
    "合肥市": ("0551", 2),
    "沈阳市": ("024", 2),
    "大连市": ("0411", 1),
    "石家庄市": ("0311", 2),
    "昆明市": ("0871", 2),
    "哈尔滨市": ("0451", 2),
    "长春市": ("0431", 1),
    "南宁市": ("0771", 1),
    "南昌市": ("0791", 1),
    "太原市": ("0351", 1),
}
# Share of the book living outside the large cities (county-level codes).
OTHER_REGIONS_SHARE = 0.15


@dataclass(frozen=True)
class Regions:
    code: np.ndarray  # str
    province: np.ndarray
    city: np.ndarray
    district: np.ndarray
    valid_from: np.ndarray  # int year (0 = always)
    weight: np.ndarray  # sampling probability
    big_city: np.ndarray  # bool: one of CITIES (organisations register there)
    area_code: np.ndarray  # str ("" outside CITIES)


@lru_cache(maxsize=1)
def regions() -> Regions:
    with open(HERE / "regions.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    city = np.array([r["city"] for r in rows])
    big = np.array([c in CITIES for c in city])
    weight = np.zeros(len(rows))
    for name, (_, w) in CITIES.items():
        sel = city == name
        weight[sel] = w / max(sel.sum(), 1)
    weight = weight / weight.sum() * (1 - OTHER_REGIONS_SHARE)
    weight[~big] = OTHER_REGIONS_SHARE / max((~big).sum(), 1)
    return Regions(
        code=np.array([r["code"] for r in rows]),
        province=np.array([r["province"] for r in rows]),
        city=city,
        district=np.array([r["district"] for r in rows]),
        valid_from=np.array([int(r["valid_from"] or 0) for r in rows]),
        weight=weight / weight.sum(),
        big_city=big,
        area_code=np.array([CITIES.get(c, ("", 0))[0] for c in city]),
    )


def surnames() -> tuple[np.ndarray, np.ndarray]:
    names, weights = [], []
    for token in SURNAMES.split():
        split = next(i for i, ch in enumerate(token) if ch.isdigit())
        names.append(token[:split])
        weights.append(float(token[split:]))
    w = np.array(weights)
    return np.array(names), w / w.sum()


@dataclass(frozen=True)
class ProductSpec:
    """One demo product. ``incidence`` scales the table's q_x into the claim rate the
    premium is priced on (1.0 = death; critical illness and medical differ, see
    docs/demo-data.md); ``sa`` is (median, lognormal sigma, rounding) or a tuple of limits."""

    code: str
    name: str
    kind: str
    table: str
    min_age: int
    max_age: int
    cooling_off_days: int
    weight: float
    incidence: float
    sa: tuple
    channels: tuple  # weights for agency, bancassurance, telephone, online, broker
    group: bool = False


CHANNELS = ("agency", "bancassurance", "telephone", "online", "broker")
_PROTECTION = (0.55, 0.08, 0.10, 0.17, 0.10)
_SAVINGS = (0.55, 0.30, 0.05, 0.03, 0.07)
_BANK = (0.35, 0.50, 0.03, 0.02, 0.10)

PRODUCTS = (
    ProductSpec("TL01", "安心保定期寿险", "term", "CL1", 18, 60, 15, 0.09, 1.0, (500_000, 0.5, 10_000), _PROTECTION),
    ProductSpec(
        "TL02",
        "e守护互联网定期寿险",
        "term",
        "CL1",
        18,
        55,
        15,
        0.06,
        1.0,
        (1_000_000, 0.4, 100_000),
        (0.0, 0.0, 0.2, 0.8, 0.0),
    ),
    ProductSpec(
        "WL01", "传世臻品终身寿险", "whole_life", "CL1", 0, 65, 20, 0.08, 1.0, (300_000, 0.6, 10_000), _SAVINGS
    ),
    ProductSpec("EN01", "金福年年两全保险", "endowment", "CL3", 0, 60, 15, 0.09, 1.0, (100_000, 0.6, 1_000), _SAVINGS),
    ProductSpec(
        "EN02", "鑫苗少儿教育金保险", "endowment", "CL3", 0, 14, 15, 0.05, 1.0, (100_000, 0.5, 1_000), _SAVINGS
    ),
    ProductSpec(
        "CI01",
        "康健一生重大疾病保险",
        "critical_illness",
        "CL1",
        0,
        55,
        15,
        0.16,
        2.5,
        (300_000, 0.4, 10_000),
        _PROTECTION,
    ),
    ProductSpec(
        "CI02",
        "少儿安康重大疾病保险",
        "critical_illness",
        "CL1",
        0,
        17,
        15,
        0.05,
        2.5,
        (300_000, 0.3, 10_000),
        _PROTECTION,
    ),
    ProductSpec(
        "MD01",
        "尊享e生百万医疗保险",
        "medical",
        "CL1",
        0,
        65,
        15,
        0.13,
        0.2,
        (2_000_000, 3_000_000, 4_000_000, 6_000_000),
        (0.35, 0.05, 0.15, 0.40, 0.05),
    ),
    ProductSpec(
        "GM01",
        "团体补充医疗保险",
        "medical",
        "CL1",
        18,
        65,
        15,
        0.07,
        3.0,
        (50_000, 100_000, 200_000),
        (0.4, 0.0, 0.0, 0.0, 0.6),
        group=True,
    ),
    ProductSpec("AN01", "福寿安康养老年金保险", "annuity", "CL5", 18, 70, 20, 0.09, 1.0, (200_000, 0.7, 1_000), _BANK),
    ProductSpec(
        "UL01", "智赢人生万能型终身寿险", "universal_life", "CL3", 0, 70, 20, 0.07, 1.0, (200_000, 0.7, 1_000), _SAVINGS
    ),
    ProductSpec(
        "IL01", "远航投资连结保险", "investment_linked", "CL3", 18, 65, 15, 0.04, 1.0, (300_000, 0.8, 1_000), _BANK
    ),
)
PROTECTION_KINDS = ("term", "whole_life", "critical_illness", "medical")
# Products that build a cash value: they can be surrendered and lent against.
CASH_VALUE_KINDS = ("whole_life", "endowment", "critical_illness", "annuity", "universal_life", "investment_linked")
