"""The Chinese words the workspace shows for the codes the API keeps (GET /api/meta)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from responder.drafts.priority import INTENT_NAMES
from responder.store.records import EventType, State
from sentiment import Label

INTENTS = dict(INTENT_NAMES)

PLATFORMS = {
    "weibo": "微博",
    "wechat": "微信",
    "tieba": "贴吧",
    "douyin": "抖音",
    "xiaohongshu": "小红书",
    "bilibili": "哔哩哔哩",
    "zhihu": "知乎",
}

# What a mention is, shown after its platform's name: 微博评论, 微博私信, 贴吧回复 ...
KINDS = {
    "comment": "评论",
    "mention": "提及",
    "comment_mention": "评论里@",
    "dm": "私信",
    "message": "消息",
    "at": "@提及",
    "reply": "回复",
    "post": "帖子",
}

LABELS = {str(Label.POSITIVE): "正面", str(Label.NEUTRAL): "中性", str(Label.NEGATIVE): "负面"}

STATES = {
    str(State.QUEUED): "待回复",
    str(State.FAILED): "发送失败",
    str(State.APPROVED): "已批准",
    str(State.SENDING): "发送中",
    str(State.SENT): "已发送",
    str(State.MANUAL): "待手动发布",
    str(State.DISMISSED): "已忽略",
    str(State.JOINED): "已合并",
    str(State.NO_REPLY): "无需回复",
}

VIEWS = {"all": "全部", "mine": "我的", "unassigned": "未认领", "no_reply": "无需回复"}

# The system's own actors in event logs, as people read them. A process's consumer name
# (host-1a2b3c4d: its sends, pages, pipeline steps) is shown as 系统（host-…）.
SYSTEM_ACTORS = {
    "pipeline": "系统",
    "sla": "超时计时",
    "outbox": "发送队列",
    "alerts": "值班通知",
    "link": "确认链接",
}

# Who is speaking (Understanding.role).
ROLES = {
    "customer": "顾客",
    "bystander": "围观",
    "media": "媒体/大V",
    "fan_reply": "网友互答",
    "brand": "品牌自己",
    "bot": "机器人",
}

# Why a mention needs no answer (Understanding.reply_reason); "other": an agent's call.
NO_REPLY_REASONS = {
    "chatter": "网友闲聊",
    "cheer": "加油打气",
    "bare_repost": "单纯转发",
    "fan_answered": "网友之间已解答",
    "bystander_reaction": "围观议论",
    "own_post": "品牌自己发的",
    "spam": "垃圾信息",
    "greeting": "只是打招呼",
    "other": "其他",
}
# Why one needs an answer.
REPLY_REASONS = {
    "question": "提问",
    "complaint": "投诉",
    "report": "反馈问题",
    "request": "有请求",
    "crisis": "危机",
    "praise": "夸奖",
    "media_inquiry": "媒体询问",
    **NO_REPLY_REASONS,
}

# What a mention judges (Understanding.aspects), and how: 续航 − 流畅 +.
ASPECTS = {
    "battery": "续航",
    "charging": "充电",
    "smoothness": "流畅",
    "heat": "发热",
    "camera": "拍照",
    "beauty_filter": "美颜",
    "screen": "屏幕",
    "signal": "信号",
    "audio": "音质",
    "design": "外观",
    "price": "价格",
    "system": "系统",
    "update": "更新",
    "ads": "广告",
    "privacy": "隐私",
    "shipping": "物流",
    "service": "服务",
    "repair": "维修",
    "store": "门店",
    "accessory": "配件",
    "software_app": "应用",
    "durability": "耐用",
    "gaming": "游戏",
    "other": "其他",
}
POLARITIES = {"pos": "+", "neg": "−", "neutral": "·"}

# What happened, as the audit log names it.
EVENTS = {
    str(EventType.INGESTED): "收录",
    str(EventType.SCORED): "评分",
    str(EventType.QUEUED): "进入队列",
    str(EventType.JOINED): "合并",
    str(EventType.WARNED): "即将超时",
    str(EventType.BREACHED): "已超时",
    str(EventType.ESCALATED): "已升级",
    str(EventType.PAGED): "已通知",
    str(EventType.PAGE_FAILED): "通知失败",
    str(EventType.PAGE_HELD): "静默时段未通知",
    str(EventType.ACKED): "已确认",
    str(EventType.CLAIMED): "认领",
    str(EventType.CLAIM_RENEWED): "续期认领",
    str(EventType.RELEASED): "放开认领",
    str(EventType.MOVED): "调整队列位置",
    str(EventType.CORRECTED): "修正情绪",
    str(EventType.INTENT_CORRECTED): "修正意图",
    str(EventType.NOTED): "内部备注",
    str(EventType.HANDED_OFF): "转交",
    str(EventType.HELD): "批准（待发出，可撤销）",
    str(EventType.UNDONE): "撤销发送",
    str(EventType.APPROVED): "批准回复",
    str(EventType.SENDING): "发送中",
    str(EventType.SENT): "已发送",
    str(EventType.SEND_RETRY): "重试发送",
    str(EventType.SEND_FAILED): "发送失败",
    str(EventType.MANUAL): "待手动发帖",
    str(EventType.MARKED_SENT): "标记已发",
    str(EventType.DISMISSED): "忽略",
    str(EventType.NO_REPLY): "无需回复",
    str(EventType.MARKED_NO_REPLY): "标记无需回复",
    str(EventType.NEEDS_REPLY): "需要回复",
    str(EventType.DRAFTED): "生成草稿",
    str(EventType.LIBRARY_PINNED): "置顶范例",
    str(EventType.LIBRARY_RETIRED): "停用范例",
    str(EventType.LINKED): "关联账号",
    str(EventType.UNLINKED): "取消关联账号",
    str(EventType.CONFIG_RELOADED): "重新加载配置",
}

# The events people cause (the audit log's default); the rest are the pipeline's own.
HUMAN_EVENTS = (
    str(EventType.ACKED),
    str(EventType.CLAIMED),
    str(EventType.RELEASED),
    str(EventType.CORRECTED),
    str(EventType.INTENT_CORRECTED),
    str(EventType.NOTED),
    str(EventType.HANDED_OFF),
    str(EventType.HELD),
    str(EventType.UNDONE),
    str(EventType.APPROVED),
    str(EventType.MARKED_SENT),
    str(EventType.DISMISSED),
    str(EventType.MARKED_NO_REPLY),
    str(EventType.NEEDS_REPLY),
    str(EventType.LIBRARY_PINNED),
    str(EventType.LIBRARY_RETIRED),
    str(EventType.LINKED),
    str(EventType.UNLINKED),
    str(EventType.CONFIG_RELOADED),
)
# What the audit log shows unless asked for more: people's actions, and who was paged
# about what (and when paging failed or was held) since the lead answers for both.
AUDITED = (
    *HUMAN_EVENTS,
    str(EventType.ESCALATED),
    str(EventType.PAGED),
    str(EventType.PAGE_FAILED),
    str(EventType.PAGE_HELD),
)


def actors(config: Any) -> dict[str, str]:
    """Who did things, by the name events keep: each user's display name, the sources
    (a mention taken in is logged by its connector: 采集：demo), the system's own actors."""
    people = {u.name: u.display or u.name for u in config.users}
    sources = {c.name: f"采集：{c.name}" for c in config.connectors}
    return {**sources, **SYSTEM_ACTORS, **people}


def account_name(accounts: Mapping[str, str], platform: str, account: str) -> str:
    """An account as the team calls it (`[accounts]` in config), else as the platform does."""
    return accounts.get(f"{platform}/{account}", account)
