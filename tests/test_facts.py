"""A mention's own facts: what the drafts acknowledge and never ask for again."""

from __future__ import annotations

import pytest

from responder.drafts.fact_words import Table
from responder.drafts.facts import facts_of, language
from responder.drafts.suggest import start
from tests.drafting import drafts, suggestions


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("@澜星 订单号LX202611110123 三天了还没发货", "order", "LX202611110123"),
        ("订单号：A1B2C3D4E5 怎么还没动", "order", "A1B2C3D4E5"),
        ("快递单号SF1234567890 显示签收了但我没收到", "tracking", "SF1234567890"),
        ("X7 升到 3.2.1 以后相机黑屏", "version", "3.2.1"),
        ("升完3.2 X7相机一打开就黑屏", "version", "3.2"),
        ("更新了澜OS 5.1之后耗电变快了好多", "version", "5.1"),
        ("这个价格99.9元的膜值吗", "version", ""),
        ("屏幕6.7寸的X7 Pro", "version", ""),
        ("充电口修了两次，这是第三次了", "count", "第三次"),
        ("修了3次了还是不行", "count", "3次了"),
        ("今天生日，用新手机拍的蛋糕", "occasion", "生日"),
        ("中秋快乐呀澜星", "occasion", "中秋"),
        ("X7能不能刷公交卡？深圳通那种", "feature", "NFC"),
        ("X7能不能刷公交卡？深圳通那种", "said", "公交卡"),
        ("WiFi隔十几分钟断一次", "said", "WiFi"),
        ("换新手机了 微信聊天记录怎么搬过去", "feature", "换机"),
        ("电话13812345678，麻烦回电", "phone", True),
        ("附几张样张，夜景真的绝", "photo", True),
    ],
)
def test_a_mention_says_its_own_facts(text: str, field: str, value: object) -> None:
    assert getattr(facts_of(text), field) == value


def test_nothing_is_found_in_a_plain_mention() -> None:
    found = facts_of("今天天气真好")
    assert (found.order, found.feature, found.said, found.occasion) == ("", "", "", "")
    assert found.given == frozenset()


def test_what_the_person_gave_earlier_in_the_thread_counts_as_given() -> None:
    found = facts_of("到哪了呀", ["你好", "我的订单 LX202611180045，电话 13900001111"])
    assert found.order == "LX202611180045"
    assert found.given == {"order", "phone"}
    # The topic comes from the mention itself, not from the earlier messages.
    assert facts_of("到哪了呀", ["公交卡怎么开"]).feature == ""


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("my Buds 2 left earbud stopped charging, any fix?", "en"),
        ("Hi, I need a fapiao for my company. Bought an X7 last week.", "en"),
        ("X7 的 NFC 怎么开", "zh"),
        ("这个bug什么时候修 OTA 推送了吗", "zh"),
        ("ok", "zh"),
    ],
)
def test_the_language_of_a_mention(text: str, lang: str) -> None:
    assert language(text) == lang


def test_only_a_fall_the_person_names_is_a_fall() -> None:
    assert facts_of("手机掉地上屏幕裂了").dropped
    assert facts_of("dropped my X7 and the screen cracked").dropped
    assert not facts_of("屏幕右下角有个亮点，刚买一周，能换吗").dropped


def test_a_screen_defect_is_not_drafted_as_a_fall() -> None:
    start()
    made = suggestions("屏幕右下角有个亮点，刚买一周，能换吗", times=6)
    assert {s.understanding.intent for s in made} == {"screen_damage"}
    drafts = [d.text for s in made for d in s.drafts]
    assert drafts and not [d for d in drafts if "摔" in d or "碎" in d]


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Pad 3配的手写笔画画老是断触，还有点延迟", "topic", "手写笔断触"),
        ("你们那个65W充电头 插上手机就滋滋响", "topic", "充电头滋滋响"),
        ("在商城买的官方钢化膜 贴了两天边上全是气泡", "topic", "钢化膜起气泡"),
        ("x7贴了个新膜之后 指纹十次有八次识别不了", "topic", "贴膜以后指纹识别不了"),
        ("x7贴了个新膜之后 指纹十次有八次识别不了", "core", "指纹识别不了"),
        ("升完3.2 X7相机一打开就黑屏", "topic", "升到 3.2 以后相机黑屏"),
        ("我X7掉马桶里了 屏幕一闪一闪的", "topic", "进水以后屏幕一闪一闪"),
        ("屏幕右下角有个亮点", "topic", "屏幕有亮点"),
        ("Watch S突然充不进电了", "topic", "Watch S 充不进电"),
        ("星空黑x7 寄来是白色的", "topic", "发错货"),  # about the order, not the colour
        ("之前的掉帧也没了，丝滑", "problem", ""),  # gone is no problem
        ("一点不发烫，续航也好", "problem", ""),  # negated
        ("刚买的Watch S心率显示180，是不是坏了", "topic", "心率"),  # 坏了 is their guess
        ("Pad充到80%就停，会不会是电池坏了", "problem", ""),
        ("x6充电口修了两次", "model", "X6"),
        ("note12真的是续航怪兽", "model", "Note 12"),
        ("刚买的x7pro", "model", "X7 Pro"),
        ("buds2左耳没声音了", "model", "Buds 2"),
        ("必须夸一下售后的王师傅！", "person", "王师傅"),
        ("维修师傅人很好", "person", ""),  # no name: nobody to thank by name
        ("从Note 7用到X7 整整五年了", "since", "五年"),
    ],
)
def test_what_a_mention_is_about_in_its_own_words(text: str, field: str, value: str) -> None:
    assert getattr(facts_of(text), field) == value


def test_a_short_follow_up_is_about_what_the_person_said_before() -> None:
    assert facts_of("还是不行", ["buds2左耳没声音了"]).topic == "左耳没声音"
    assert facts_of("笔呢还是没有", ["Pad3+手写笔套装开箱"]).topic == "手写笔"


def test_a_non_parcel_mention_read_as_shipping_is_drafted_elsewhere() -> None:
    from responder.drafts.routes import routes

    assert routes().route("shipping", (), "到哪了呀 快递三天没动") == "shipping"
    assert routes().route("shipping", (), "商城买的钢化膜 膜有问题") == "after_sales"
    assert routes().route("shipping", (), "下个版本啥时候") == "system_update"
    assert routes().route("shipping", ("camera",), "说好的月底公布") == "camera"
    assert routes().route("shipping", (), "说好的月底公布") == "_general"
    assert routes().route("battery", (), "说好的月底公布") == "battery"  # not gated


@pytest.mark.parametrize(
    ("text", "said", "topic"),
    [
        # screen
        ("Note 12看小说的时候屏幕时不时会闪一下", "屏幕", "屏幕一闪一闪"),
        ("才用半年屏幕就开始发黄了，白色都变米色", "屏幕", "屏幕发黄"),
        ("玩王者右上角老是点不动，技能放不出来", "王者", "王者触摸失灵"),
        ("晚上自动亮度一会亮一会暗的 很烦", "自动亮度", "自动亮度乱跳"),
        ("充电的时候屏幕自己乱点，打开了好几个app", "充电", "屏幕乱点"),
        # sound
        ("跟客户打电话 对方总说听不到我声音 丢人", "", "对方听不到"),
        ("车载蓝牙放歌一开大就破音", "蓝牙", "蓝牙破音"),
        ("通话时候有回音 自己说话自己能听见", "通话", "通话有回声"),
        ("Buds 2 只有一只响 另一只放回盒子再拿出来也不行", "", "Buds 2 一边没声音"),
        ("外放一直有底噪 安静的时候特别明显", "外放", "外放有杂音"),
        # camera
        ("主摄近拍老跑焦 拍菜单字都是糊的", "", "对不上焦"),
        ("后置镜头里面好像进了灰 对着白墙拍能看到", "后置", "镜头进灰"),
        ("夜里开闪光灯拍照 闪光灯不会亮", "闪光灯", "闪光灯不亮"),
        ("阴天拍出来的照片灰蒙蒙的 一点不通透", "照片", "照片发灰"),
        ("录视频走路的时候画面抖得厉害", "视频", "视频画面抖"),
        # battery and charging
        ("刚换的电池又不经用了 一天两充", "电池", "电池续航差"),
        ("原装充电器充得很慢 跟普通充电一样", "充电器", "充电慢"),
        ("Buds 2的充电盒一直不进电 指示灯也不亮", "充电盒", "充电盒充不进电"),
        ("电量显示50%一会儿就跳到10%了", "电量", "电量乱跳"),
        ("视频通话十分钟 手机后背烫得吓人", "视频通话", "视频通话发烫"),
        # network
        ("X7信号很差 地下室直接无服务", "信号", "X7 没信号"),
        ("家里WiFi老是断网，重启路由器也没用", "WiFi", "WiFi 断网"),
        ("出门在外面网速慢得像2G", "网速", "网速慢"),
        # system
        ("升到3.2以后淘宝一打开就闪退", "淘宝", "升到 3.2 以后淘宝闪退"),
        ("刷抖音越用越卡 才买三个月", "抖音", "抖音卡顿"),
        ("钉钉消息收不到通知 被领导说了", "钉钉", "钉钉不提醒"),
        ("手机一直卡在开机动画 进不去桌面", "开机动画", "开不了机"),
        ("半夜闹钟不响 差点误了飞机", "闹钟", "闹钟不响"),
        ("切出去回个消息 游戏又得重新加载", "游戏", "游戏杀后台"),
        ("指纹录了五次都提示录入失败", "指纹", "指纹录不进"),
        # watch
        ("Watch S手表步数离谱 开车一小时走了三千步", "手表", "步数不准"),
        ("手表睡眠没数据 昨晚明明戴着", "手表", "睡眠没记录"),
        ("手表血氧测不了 一直显示请佩戴好", "手表", "血氧测不出"),
        ("表带扣子才两个月就断掉了", "表带", "表带断了"),
        # earbuds
        ("耳机降噪开了和没开一样 地铁上全是噪音", "耳机", "降噪没效果"),
        ("耳机跟手机老掉线 走两步就断", "耳机", "耳机断连"),
        ("耳机换了新手机配对失败好几次", "耳机", "耳机配对不上"),
        # build
        ("中框掉漆了 磨出一块白", "中框", "中框掉漆"),
        ("电源键有点松了 晃起来哒哒响", "电源键", "电源键松动"),
        ("充电口生锈了 是不是进水了", "充电口", "充电口生锈"),
    ],
)
def test_what_went_wrong_is_named_with_its_thing(text: str, said: str, topic: str) -> None:
    found = facts_of(text)
    assert (found.said, found.topic) == (said, topic)


@pytest.mark.parametrize(
    "text",
    [
        "用了一个月了 一点都不卡 续航也顶",  # praise with negation
        "换屏以后屏幕一点都不闪了",
        "去门店修好以后听筒没有杂音了 谢谢",  # 没有 before it
        "新系统不会闪退了 稳得很",
        "想入手x7 打游戏烫不烫啊",  # questions
        "这个手表测心率准不准",
        "亮不亮啊 户外能看清吗",
        "手写笔零延迟 写字很舒服",  # praise that holds a problem word
        "耳机延迟很低 打游戏够用",
        "最大亮点是屏幕 户外也看得清",
        "看到发布会乐坏了 马上下单",  # feelings
        "终于收到货了 松了一口气",
        "以后会不会降价 说不准吧",
        "碎屏险怎么激活 买的时候送的",  # 碎屏 in the service's name
        "请问X7支持无线充吗",
        "会不会断货啊 想等双十一",
    ],
)
def test_praise_questions_and_fixed_problems_are_no_problem(text: str) -> None:
    assert facts_of(text).problem == ""


def test_a_problem_word_that_holds_another_is_its_own_problem() -> None:
    assert facts_of("微信老是会闪退").problem == "闪退"  # not 会闪
    assert facts_of("屏幕会闪").problem == "一闪一闪"
    assert facts_of("手写笔老断触").problem == "断触"  # not 老断
    assert facts_of("蓝牙耳机老断").problem == "断连"


def test_a_call_problem_said_alone_never_takes_a_far_thing() -> None:
    found = facts_of("屏幕和拍照都很满意 就是打电话的时候对方总说听不见我")
    assert (found.problem, found.topic) == ("对方听不到", "对方听不到")


def test_a_cause_someone_else_claims_or_the_person_denies_is_no_cause() -> None:
    found = facts_of("主板坏了 售后说是进水 我从来没碰过水")
    assert (found.cause, found.topic) == ("", "主板坏了")
    assert facts_of("没进水没摔过 屏幕突然绿屏").cause == ""
    assert facts_of("手机掉水里以后听筒没声音").topic == "进水以后听筒没声音"


def test_a_table_finds_the_first_word_and_the_longest_where_two_start_together() -> None:
    table = Table.of({"闪": ["会闪", "一闪一闪"], "退": ["会闪退"], "卡": ["卡"]})
    found = [m.group(0) for m in table.pattern.finditer("一闪一闪 会闪退 会闪 卡卡")]
    assert found == ["一闪一闪", "会闪退", "会闪", "卡", "卡"]
    assert table.first("没有") is None
    assert Table.of({}).first("anything") is None


@pytest.mark.parametrize(
    ("text", "occasion"),
    [
        ("情人节男朋友送了粉色X7 Pro！！颜色也太温柔了", "情人节"),
        ("女神节给自己买了个Watch S 犒劳一下", "妇女节"),
        ("重阳给爷爷换了Note 12 字大好用", "重阳节"),
    ],
)
def test_more_festivals_are_occasions(text: str, occasion: str) -> None:
    assert facts_of(text).occasion == occasion


def test_an_older_model_named_first_is_what_the_drafts_speak_of() -> None:
    # X6 is not in brand.toml; the drafts must not answer it as an X7 question.
    for texts in drafts("X6还能升3.2吗？看公告只写了X7系列和Note12", times=2):
        assert any("X6" in t for t in texts), texts
        assert not any("X7 更新" in t or "X7的更新" in t for t in texts), texts


def test_a_rumoured_model_is_never_drafted_as_the_product() -> None:
    for texts in drafts("X8是不是快出了？现在买X7会不会一买就过气", times=3):
        assert not any("X8真机" in t or "试试X8" in t for t in texts), texts


@pytest.mark.parametrize(
    "text",
    [
        "@澜星 订单号LX202611110123 X7 Pro 付款三天了还是待发货？？不是说48小时发货吗[怒]",
        "双十一买的X7 到现在还没发货 什么情况啊 气死了",
    ],
)
def test_an_order_not_shipped_yet_is_chased_at_the_warehouse_not_the_courier(text: str) -> None:
    assert facts_of(text).unshipped
    for texts in drafts(text, times=3):
        assert sum("发货" in t for t in texts) >= 2, texts
        assert not any("快递卡在哪" in t or "催物流" in t or "盯着物流" in t for t in texts), texts


def test_a_parcel_on_its_way_is_not_unshipped() -> None:
    assert not facts_of("LX202611120456 显示已发货三天了 物流一直不动").unshipped


def test_a_trade_in_of_another_brand_names_their_phone() -> None:
    for texts in drafts("iPhone 11 电池都70%了 能拿去以旧换新X7吗 大概能抵多少", times=2):
        assert sum("iPhone 11" in t for t in texts) >= 2, texts


def test_a_version_said_before_what_it_did_is_the_version() -> None:
    assert facts_of("@澜星 3.2更新完 打开app的动画丝滑").version == "3.2"
    assert facts_of("花了3.2万更新了装修").version == ""


def test_thanks_are_returned() -> None:
    text = "从X3到现在的X7 Pro 第五台澜星了 家里人都被我安利了 说一句谢谢你们 一直没让我失望"
    assert facts_of(text).thanks
    for texts in drafts(text, times=2):
        assert any("谢谢你" in t for t in texts), texts


@pytest.mark.parametrize(
    ("text", "kind", "suggestion"),
    [
        ("X7 升到3.2以后相机一打开就黑屏 重启了好几次都没用", "restart", "重启一下"),
        ("Buds 2 左耳突然没声音了 重置也试过了 放回仓里重连也没用", "reset", "重置一次"),
        ("原装65W充电器 充X7 Pro 一个小时才到40% 线是原装的", "original", "原装充电器和原装线"),
    ],
)
def test_what_they_already_tried_is_never_suggested_again(
    text: str, kind: str, suggestion: str
) -> None:
    assert kind in facts_of(text).tried
    for texts in drafts(text, times=3):
        assert texts, text
        assert not any(suggestion in t for t in texts), texts


def test_an_answer_that_says_to_try_what_they_tried_is_not_quoted() -> None:
    # The fast-charging entry says to change the cable; they already did.
    for texts in drafts("充电器插上没反应，换了线也不行", times=3):
        assert texts and not any("换原装线" in t for t in texts), texts


def test_someone_nobody_answered_hears_sorry_for_the_wait_first() -> None:
    text = "怎么没人回 我就想问note12能不能插内存卡"
    assert facts_of(text).unanswered
    for texts in drafts(text, times=2):
        assert len(texts) == 3, texts
        firsts = [t.split("。")[0] for t in texts]
        assert all(any(w in f for w in ("久等", "晚了", "等了")) for f in firsts), texts
        assert len(set(firsts)) == 3, texts  # never the same sentence twice


def test_a_long_customer_is_thanked_for_their_years() -> None:
    assert facts_of("从X3一路用到X7 Pro 五年了 中间摔过两次").since == "五年"
