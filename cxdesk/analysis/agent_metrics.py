"""Names, units and formulas of the agent KPIs and capability dimensions (no pandas, no numpy).

The 客服绩效 page imports these when the window is built; the computation
(``cxdesk.analysis.agent_kpis``, ``cxdesk.analysis.capability``) loads pandas
only when the page first loads its data.
"""

from __future__ import annotations

from dataclasses import dataclass

PERIODS = {"all": "全部", "day": "按日", "week": "按周", "month": "按月"}
WINDOWS = {"same_day": "当日", "next_day": "次日"}
ALL_PERIOD = "全部"
NO_TIME = "无时间"
TEAM = "团队"
TEAM_CODE = -2


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    unit: str
    formula: str
    better: int = 0  # +1 higher is better, -1 lower is better, 0 neither
    orders: bool = False

    @property
    def column(self) -> str:
        """The export column, e.g. ``首次响应时间(秒)``."""
        return f"{self.name}({self.unit})" if self.unit else self.name


METRICS: tuple[Metric, ...] = (
    Metric("buyers", "接待人数", "人", "客服发过消息的会话中的不同买家数（团队：所有来咨询的不同买家）", 0),
    Metric("sessions", "会话数", "个", "客服发过消息的会话数（团队：所有会话）", 0),
    Metric("buyer_msgs", "买家消息数", "条", "该客服负责的买家轮次中的买家消息数（不含系统、机器人消息）", 0),
    Metric("agent_msgs", "客服消息数", "条", "该客服发出的消息数", 0),
    Metric("answer_ratio", "答问比", "", "客服消息数 ÷ 买家消息数", 1),
    Metric("chars", "客服字数", "字", "该客服消息的字符数之和", 0),
    Metric(
        "first_resp", "首次响应时间", "秒", "会话中买家第一条消息 → 客服第一条回复的间隔，取平均（计入回复的客服）", -1
    ),
    Metric("first_resp_median", "首次响应时间中位数", "秒", "同上，取中位数", -1),
    Metric("avg_resp", "平均响应时间", "秒", "每个买家轮次的第一条消息 → 客服第一条回复的间隔，取平均", -1),
    Metric(
        "rate_3min",
        "3分钟回复率",
        "%",
        "180 秒内回复的买家轮次 ÷ 有时间的买家轮次（未回复的、需要回复的轮次算未达标）",
        1,
    ),
    Metric("rate_30s", "30秒回复率", "%", "30 秒内回复的买家轮次 ÷ 同上", 1),
    Metric(
        "slow",
        "慢响应次数",
        "次",
        "等待超过平台慢回复阈值的回复数（service_time.json，淘宝 100 秒；拼多多只计 8–23 点）",
        -1,
    ),
    Metric("unanswered", "未回复人数", "人", "有需要回复（提问，或整段会话没有客服回复）而没有得到回复的买家数", -1),
    Metric("reply_rate", "回复率", "%", "(接待人数 − 未回复人数) ÷ 接待人数", 1),
    Metric(
        "avg_duration",
        "平均会话时长",
        "秒",
        "会话中该客服负责部分的第一条到最后一条消息的时长，取平均（团队：整段会话）",
        0,
    ),
    Metric(
        "long_buyers", "长接待人数", "人", "会话时长超过 long_session_s（capability.json，默认 900 秒）的不同买家数", 0
    ),
    Metric("transfers", "转接次数", "次", "会话从该客服转给另一位客服的次数（连续两条客服消息换了人）", -1),
    Metric(
        "max_concurrent",
        "最大同时接待数",
        "个",
        "该客服同一时刻进行中的会话数的最大值（会话按该客服负责部分的起止时间）",
        0,
    ),
    Metric(
        "inquiry_buyers",
        "询单人数",
        "人",
        "咨询前 inquiry_lookback_days 天内没有在本店下过单的咨询买家数（按会话最后接待的客服计）",
        0,
        True,
    ),
    Metric(
        "order_rate", "询单→下单转化率", "%", "咨询后在转化窗口内（当日或次日结束前）下单的询单人数 ÷ 询单人数", 1, True
    ),
    Metric("pay_rate", "询单→付款转化率", "%", "咨询后在转化窗口内下单并付款的询单人数 ÷ 询单人数", 1, True),
    Metric("sales", "客服销售额", "元", "这些付款订单的金额之和", 1, True),
    Metric("avg_order_value", "客单价", "元", "客服销售额 ÷ 付款人数", 1, True),
    Metric("refund_rate", "退款率", "%", "这些付款订单中有退款（退款中、退款成功）的订单 ÷ 付款订单数", -1, True),
)
METRIC = {m.key: m for m in METRICS}
RATE_KEYS = tuple(m.key for m in METRICS if m.unit == "%")
TIME_KEYS = (
    "first_resp",
    "first_resp_median",
    "avg_resp",
    "rate_3min",
    "rate_30s",
    "slow",
    "avg_duration",
    "long_buyers",
    "max_concurrent",
)


DIMENSIONS = {
    "speed": "响应速度",
    "attitude": "服务态度",
    "expertise": "专业度",
    "resolution": "问题解决",
    "compliance": "合规",
    "conversion": "转化",
}
SCORE = "score"
SCORE_LABEL = "综合得分"
SCORE_MISSING = "score_missing"  # weighted dimensions the composite lacks, 「响应速度、转化」; "" when complete
