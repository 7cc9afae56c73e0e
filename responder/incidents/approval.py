"""Who may approve a reply on a crisis: media and big accounts need a lead (pure)."""

from __future__ import annotations

from responder.drafts.priority import followers_cn

LEAD_REQUIRED = "lead_required"  # the error code of an agent's refused approval
MEDIA = "media"  # the role of media and big accounts reporting someone else's case


def lead_reason(fields: dict[str, str], big_account: int) -> str:
    """Why approving a reply to this stored mention needs a lead or an admin ("" when it
    does not): a reply to media, or to an account with `big_account` followers or more,
    on a crisis is the brand speaking in public; a lead checks it before it goes."""
    if not (fields.get("crisis") or fields.get("incident_id")):
        return ""
    followers = int(fields.get("author_followers") or 0)
    if fields.get("role") == MEDIA:
        who = "媒体"
    elif followers >= big_account:
        who = f"大V（粉丝 {followers_cn(followers)}）"
    else:
        return ""
    return f"危机事件中给{who}的回复需要组长或管理员批准，请交给组长处理"
