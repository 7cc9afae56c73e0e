"""A fake api.weibo.com for tests and for end-to-end runs (`python -m tests.fake_weibo`)."""

from tests.fake_weibo.server import FakeWeibo, Fault
from tests.fake_weibo.state import BRAND, BRAND_UID, T0, WeiboState, user, weibo_time

__all__ = ["BRAND", "BRAND_UID", "T0", "FakeWeibo", "Fault", "WeiboState", "user", "weibo_time"]
