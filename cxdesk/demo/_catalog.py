"""The demo's fixed world: dates, shops, products, agents, buyer nicks.

Everything here is plain data so the generator modules stay about behaviour.
The window ends on a fixed date (not "today") so that a seed always yields
byte-identical records and export files on every machine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

END_DATE = date(2024, 6, 30)
DAYS = 90
START_DATE = END_DATE - timedelta(days=DAYS - 1)  # 2024-04-02
WINDOW_START = datetime.combine(START_DATE, datetime.min.time())
WINDOW_END = datetime.combine(END_DATE, datetime.max.time()).replace(microsecond=0)

# 618 is the big mid-year sale: traffic climbs from June 1 and peaks on the 18th.
PROMO_START = date(2024, 6, 1)
PROMO_PEAK = date(2024, 6, 18)

TIME_FMT = "%Y-%m-%d %H:%M:%S"

# Relative chat traffic per hour of day: morning, afternoon and evening peaks.
HOUR_WEIGHTS = (
    1.0,
    0.5,
    0.3,
    0.2,
    0.15,
    0.2,
    0.4,
    0.8,
    1.5,
    3.0,
    4.2,
    4.0,
    3.0,
    3.3,
    4.0,
    4.2,
    3.8,
    3.0,
    2.8,
    3.5,
    4.5,
    4.8,
    3.8,
    2.4,
)

STYLE_LABELS = {
    "excellent": "金牌客服（响应快、礼貌、专业）",
    "average": "普通客服",
    "slow": "响应慢的客服",
    "curt": "态度生硬的客服",
}


@dataclass(frozen=True)
class Product:
    product_id: str
    title: str
    short: str  # what buyers and agents call it in chat
    colors: tuple[str, ...]
    sizes: tuple[str, ...]
    price: float
    material: str


@dataclass(frozen=True)
class AgentSpec:
    name: str
    style: str  # excellent | average | slow | curt
    shift: tuple[float, float]  # on duty from..to, in hours (24 = midnight)


@dataclass(frozen=True)
class ShopSpec:
    platform: str
    name: str
    kind: str  # "kids" | "home": which phrase variants apply
    bot_account: str
    agent_prefix: str  # agent account = prefix + name
    agents: tuple[AgentSpec, ...]
    products: tuple[Product, ...]
    n_sessions: int
    n_reviews: int
    silent_orders_per_day: float  # orders from buyers who never chatted
    express: tuple[str, ...]
    extra: dict[str, str] = field(default_factory=dict)

    def account(self, agent: AgentSpec) -> str:
        return f"{self.agent_prefix}{agent.name}"


_KIDS_SIZES = ("80cm", "90cm", "100cm", "110cm", "120cm", "130cm", "140cm")

TAOBAO_SHOP = ShopSpec(
    platform="taobao",
    name="小棉袄童装旗舰店",
    kind="kids",
    bot_account="小棉袄童装旗舰店:店小蜜",
    agent_prefix="小棉袄童装旗舰店:",
    agents=(
        AgentSpec("小美", "excellent", (8.5, 18.0)),
        AgentSpec("阿强", "curt", (13.0, 24.8)),
    ),
    products=(
        Product(
            "689201345561",
            "小棉袄童装女童连衣裙夏装2024新款儿童纯棉公主裙洋气宝宝裙子",
            "连衣裙",
            ("粉色小兔", "白色碎花", "鹅黄雏菊"),
            _KIDS_SIZES[1:6],
            89.0,
            "100%精梳棉",
        ),
        Product(
            "689201987702",
            "小棉袄童装儿童纯棉短袖T恤男童女童夏季宝宝半袖上衣",
            "短袖T恤",
            ("白色恐龙", "蓝色小熊", "粉色草莓", "黄色鸭子"),
            _KIDS_SIZES,
            39.9,
            "新疆长绒棉",
        ),
        Product(
            "689202314478",
            "小棉袄童装儿童防蚊裤夏季薄款男童女童灯笼裤宝宝长裤",
            "防蚊裤",
            ("豆绿", "米白", "雾霾蓝"),
            _KIDS_SIZES,
            49.9,
            "莫代尔混纺",
        ),
        Product(
            "689203556120",
            "小棉袄童装儿童睡衣套装纯棉短袖家居服男女童空调服",
            "睡衣套装",
            ("星星蓝", "草莓粉", "奶油黄"),
            _KIDS_SIZES[1:],
            79.0,
            "A类纯棉",
        ),
        Product(
            "689204778093",
            "小棉袄童装儿童防晒衣UPF50+冰丝透气男童女童外套",
            "防晒衣",
            ("天空蓝", "樱花粉", "薄荷绿"),
            _KIDS_SIZES[2:],
            89.0,
            "冰丝锦纶",
        ),
        Product(
            "689205112846",
            "小棉袄童装女童背带裤夏季薄款牛仔短裤儿童洋气",
            "背带裤",
            ("浅蓝牛仔", "深蓝牛仔"),
            _KIDS_SIZES[1:6],
            69.9,
            "天丝牛仔",
        ),
    ),
    n_sessions=1620,
    n_reviews=850,
    silent_orders_per_day=30.0,
    express=("中通", "圆通", "韵达"),
)

JD_SHOP = ShopSpec(
    platform="jd",
    name="京选家居京东自营专营店",
    kind="home",
    bot_account="京小智",
    agent_prefix="京选家居_",
    agents=(
        AgentSpec("婷婷", "average", (8.5, 17.5)),
        AgentSpec("老周", "slow", (12.0, 24.8)),
    ),
    products=(
        Product(
            "100034567890",
            "京选家居 全棉四件套 纯棉斜纹被套床单枕套 床上用品",
            "四件套",
            ("雾霾蓝", "奶咖", "浅灰", "樱花粉"),
            ("1.5m床（被套200×230cm）", "1.8m床（被套220×240cm）", "2.0m床（被套220×240cm）"),
            259.0,
            "100%新疆棉 40支斜纹",
        ),
        Product(
            "100034567912",
            "京选家居 泰国天然乳胶枕头 成人护颈枕 单只装",
            "乳胶枕",
            ("白色",),
            ("波浪款60×40cm", "面包款60×40cm"),
            129.0,
            "天然乳胶 含量93%",
        ),
        Product(
            "100034568035",
            "京选家居 冰丝凉席三件套 可水洗折叠空调软席",
            "凉席",
            ("冰川蓝", "月光白", "浅杏"),
            ("1.5m床三件套", "1.8m床三件套"),
            159.0,
            "冰丝+乳胶面",
        ),
        Product(
            "100034568101",
            "京选家居 A类纯棉毛巾 加厚吸水 3条装 34×74cm",
            "毛巾",
            ("米白+浅灰+雾蓝", "粉色3条"),
            ("3条装",),
            39.9,
            "A类长绒棉 32股",
        ),
        Product(
            "100034568246",
            "京选家居 大豆纤维夏凉被 空调被 可机洗",
            "夏凉被",
            ("白色", "浅绿"),
            ("150×200cm", "200×230cm"),
            139.0,
            "大豆纤维填充 全棉面料",
        ),
        Product(
            "100034568377",
            "京选家居 加厚塑料收纳箱 衣物整理箱 带轮 3个装",
            "收纳箱",
            ("透明", "奶白"),
            ("中号45L×3", "大号70L×3"),
            89.0,
            "食品级PP",
        ),
    ),
    n_sessions=1240,
    n_reviews=650,
    silent_orders_per_day=22.0,
    express=("京东快递",),
)

SHOPS: tuple[ShopSpec, ...] = (TAOBAO_SHOP, JD_SHOP)

CITIES = (
    "北京",
    "上海",
    "广州",
    "深圳",
    "成都",
    "杭州",
    "武汉",
    "西安",
    "郑州",
    "长沙",
    "沈阳",
    "昆明",
    "乌鲁木齐",
    "哈尔滨",
    "南宁",
    "济南",
    "合肥",
    "福州",
    "拉萨",
    "兰州",
)
REMOTE_CITIES = ("乌鲁木齐", "拉萨", "兰州", "哈尔滨", "昆明")

# Buyer nicks are masked the way seller back-ends show them: first and last
# characters kept, the middle replaced by ***. None of them is a real person.
_NICK_HEADS = tuple("abcdefghjklmnopqrstwxyz") + (
    "tb",
    "wx",
    "小",
    "大",
    "快",
    "甜",
    "阿",
    "糖",
    "喵",
    "宝",
    "乐",
    "安",
    "晴",
    "木",
    "一",
    "星",
    "七",
    "米",
    "豆",
    "柚",
)
_NICK_TAILS = tuple("0123456789abcdefkmnsxyz") + (
    "妈",
    "猫",
    "宝",
    "呀",
    "88",
    "66",
    "99",
    "鱼",
    "熊",
    "酱",
    "儿",
    "君",
    "子",
    "果",
    "521",
    "吖",
)
_JD_HEADS = (
    "小",
    "大",
    "1",
    "j",
    "w",
    "张",
    "王",
    "李",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "周",
    "吴",
    "快乐",
    "幸福",
    "阳光",
    "开心",
    "a",
    "m",
    "s",
    "8",
    "1",
    "3",
)


def make_nicks(rng: random.Random, platform: str, n: int) -> list[str]:
    """n distinct masked buyer nicks for one shop."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        if platform == "jd":
            tail = rng.choice(("", "", "", *"0123456789", "a", "x", "呀"))
            nick = f"jd_{rng.choice(_JD_HEADS)}***{tail}"
            if len(seen) > 300 or nick in seen:
                nick = f"jd_{rng.choice(_JD_HEADS)}{rng.choice('0123456789abcdefghk明红天乐飞雪云星')}***{tail}"
        else:
            head = rng.choice(_NICK_HEADS)
            if rng.random() < 0.5:
                head += rng.choice(_NICK_HEADS[:23])
            nick = f"{head}***{rng.choice(_NICK_TAILS)}"
        if nick not in seen:
            seen.add(nick)
            out.append(nick)
    return out


def day_weight(d: date) -> float:
    """Relative traffic of a day: weekends a bit busier, 618 much busier."""
    w = 1.0 + (0.15 if d.weekday() >= 5 else 0.0)
    w *= 1.0 + 0.5 * (d - START_DATE).days / DAYS  # the shop is growing
    if PROMO_START <= d <= PROMO_PEAK:
        w *= 1.6
    if d == PROMO_PEAK or d == date(2024, 5, 20):
        w *= 1.6
    return w


def fmt(dt: datetime) -> str:
    return dt.strftime(TIME_FMT)
