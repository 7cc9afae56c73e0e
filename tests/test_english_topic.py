"""What an English mention is about (responder/drafts/english.py), and the knowledge-base
entry found for it."""

from __future__ import annotations

import re

import pytest

from responder.drafts.drafter import default_directory
from responder.drafts.english import Topic, answer_for, topic_of
from responder.drafts.knowledge import load_knowledge

PRODUCTS = ("x7 pro", "x7", "buds", "watch", "note")
KB = load_knowledge(default_directory() / "kb.toml")


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("How can I change the display language to English on my X7?", "the display language"),
        ("does the Watch work with Spotify?", "Spotify"),
        (
            "Is there a way to use WhatsApp and Google Maps on the X7 Pro?",
            "WhatsApp and Google Maps",
        ),
        ("hey does X7 have NFC for Octopus card", "NFC for Octopus card"),  # what it is for
        ("I need an invoice for my company. How do I request it?", "the invoice"),
        ("when will my order ship?", "shipping"),
        ("Landed in Seoul and the hotspot keeps dropping, any fix?", "the hotspot"),
        ("Shot the Milky Way last night with the X7 Pro, no tripod", "the Milky Way"),
        (
            "Here for a wedding and my X7 Pro screen just cracked. Where can I get it fixed?",
            "the screen",
        ),
        ("Can I return my Buds if I opened the box?", "returns"),
        ("Love the night mode on my X7 Pro, the camera is amazing!", "the night mode"),
        ("The battery drains so fast since the update, any tips?", "the battery"),
    ],
)
def test_the_subject_is_what_they_ask_about_in_their_words(text: str, subject: str) -> None:
    assert topic_of(text, PRODUCTS).subject == subject


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Can you deliver to Macau?", "to Macau"),
        (
            "Bought it in Hangzhou, moving to Canada soon. Does the warranty work there?",
            "in Canada",
        ),
        ("is there a repair shop near Chunxi Road, Chengdu?", "near Chunxi Road, Chengdu"),
        ("How do I switch the keyboard to English?", ""),  # a language is no place
        ("Just got my X7 in Shanghai. How do I set up fingerprint unlock?", ""),
    ],
)
def test_a_place_belongs_to_the_question_it_is_asked_in(text: str, where: str) -> None:
    assert topic_of(text, PRODUCTS).where == where


def test_the_topic_reads_as_subject_and_place() -> None:
    topic = topic_of("Can you ship it to Hong Kong?", PRODUCTS)
    assert str(topic) == "shipping to Hong Kong" and topic


def test_what_went_wrong_is_the_problem() -> None:
    topic = topic_of("dropped my X7 and the screen cracked. where can I fix it?", PRODUCTS)
    assert topic.problem == "the screen"


def test_a_photo_post_names_the_place_it_was_taken() -> None:
    topic = topic_of("Took this at the West Lake at sunset with the X7 Pro, no filter!", PRODUCTS)
    assert topic.photo and topic.where == "at the West Lake"
    assert "filter" not in topic.phrases  # "no filter" is not what it is about


def test_products_orders_emoji_and_chinese_are_no_topic() -> None:
    topic = topic_of("@澜星 my X7 Pro 😭 order LX202611140222 是不是坏了 ok thanks", PRODUCTS)
    assert topic == Topic() and not topic and str(topic) == ""


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("how long is the warranty on the X7?", "warranty"),
        ("Does the X7 Pro support eSIM?", "esim"),  # its own entry since the third round
        ("how do I get a fapiao for my company?", "invoice"),
        ("Where is the nearest service centre?", "service_center"),
        ("when will my order ship?", "shipping_time"),
        ("how do I turn off the lock screen ads?", "lockscreen_ads"),
        ("How do I move my WeChat chat history to the new phone?", "data_migration"),
        ("How do I switch the system language to English?", "system_language"),
        # A SIM from abroad that gets slow data: the bands and the APN (roaming) answer it.
        ("4G is super slow with my giffgaff SIM, any setting I can try?", "roaming"),
        # The brand's own name (@澜星) and filler words (full, zero, but) find nothing.
        (
            "@澜星 Landed in Tokyo and my X7 has zero data. Roaming is switched on, bars show"
            " full signal but nothing loads. Any idea?",
            "roaming",
        ),
    ],
)
def test_an_english_question_finds_its_entry(text: str, entry: str) -> None:
    found = answer_for(KB, text, topic_of(text, PRODUCTS))
    assert found is not None and found.id == entry and found.answer_en


@pytest.mark.parametrize(
    "text",
    [
        "Does the X7 come in a pink colour?",  # "colour" in passing (colour temperature)
        "Is there any way to get Google Play on the X7?",
    ],
)
def test_an_english_question_the_files_do_not_answer_finds_nothing(text: str) -> None:
    assert answer_for(KB, text, topic_of(text, PRODUCTS)) is None


def test_every_entry_has_an_english_answer_and_english_phrasings() -> None:
    assert all(e.answer_en and e.questions_en for e in KB.entries)


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        # A capitalised adjective starts a name; "the" written before a name stays.
        ("Hiked the Great Wall at Badaling today, my X7 battery lasted all day!", "the Great Wall"),
        ("Spent the evening by the West Lake with my X7 Pro", "the West Lake"),
        ("Filmed the Bund at night with my X7 Pro, so smooth", "the Bund"),
        # "a"/"an" written before a name stays too.
        ("does the Watch S work with an Android tablet?", "an Android tablet"),
        # After a noun, a service word is part of it.
        ("Can I get a tax refund on the X7 at the airport?", "the tax refund"),
        # "zero" is a quantity, not part of the thing.
        ("Landed in Seoul and my X7 has zero signal. Any idea?", "the signal"),
    ],
)
def test_names_keep_their_adjective_and_article(text: str, subject: str) -> None:
    assert topic_of(text, PRODUCTS).subject == subject


def test_a_name_that_is_a_place_is_told_from_a_thing() -> None:
    assert topic_of("Hiked the Great Wall at Badaling today, loved it", PRODUCTS).place
    assert not topic_of("Love the night mode on my X7 Pro!", PRODUCTS).place
    assert not topic_of("does Google Play work on the X7?", PRODUCTS).place


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Just landed in New York, how do I turn on data roaming?", "in New York"),
        ("Is the warranty valid in the US?", "in the US"),  # "US" is no "us"
        # A question that names nothing takes the place of what came before it.
        (
            "hi, order LX202612020002, shipping to Taipei. how long does it usually take?",
            "to Taipei",
        ),
        # What the question says of its place goes with it, unless it speaks of the person.
        (
            "Is there a store in Chengdu where the staff speak English?",
            "in Chengdu where the staff speak English",
        ),
        ("Is there a store in Chengdu that can fix my screen?", "in Chengdu"),
    ],
)
def test_a_place_carries_what_the_question_says_of_it(text: str, where: str) -> None:
    assert topic_of(text, PRODUCTS).where == where


@pytest.mark.parametrize(
    "text",
    [
        "My parcel still hasn't moved since Monday. Any update?",
        "Order LX202612019999 was paid on Monday and the tracking hasn't moved. Any update?",
    ],
)
def test_an_update_asked_about_an_order_is_its_status_which_no_entry_answers(text: str) -> None:
    topic = topic_of(text, PRODUCTS)
    assert topic.subject == "the order status"
    assert answer_for(KB, text, topic) is None


def test_an_update_asked_without_an_order_is_the_system_update() -> None:
    text = "Still on 3.1, any update?"
    topic = topic_of(text, PRODUCTS)
    found = answer_for(KB, text, topic)
    assert topic.subject == "the update" and found is not None and found.id == "os_update"


def test_a_repair_asked_for_yields_to_the_thing_that_went_wrong() -> None:
    assert topic_of("My right earbud keeps cutting out on calls. Any fix?", PRODUCTS).subject == (
        "the right earbud"
    )
    assert topic_of("Can you fix it?", PRODUCTS).subject == "the repair"
    text = "my left earbud won't connect, any quick fix?"  # "earbud" matches "earbuds"
    found = answer_for(KB, text, topic_of(text, PRODUCTS))
    assert found is not None and found.id in ("buds_one_side", "pair_buds")


def test_a_worry_names_what_the_answer_must_speak_of() -> None:
    text = "Does the X7 work on Vodafone in Germany? concerned about bands"
    topic = topic_of(text, PRODUCTS)
    found = answer_for(KB, text, topic)
    assert topic.problem == "the bands" and found is not None and found.id == "roaming"


def test_a_verb_after_cant_is_no_thing() -> None:
    topic = topic_of("I can't read the menus, is there an English version?", PRODUCTS)
    assert "read" not in topic.phrases and "the read" not in (topic.subject, topic.problem)


def test_a_festival_greeting_is_no_topic() -> None:
    topic = topic_of("Merry Christmas @澜星! Celebrating with hotpot and my X7", PRODUCTS)
    assert "Christmas" not in topic.subject and "Celebrating" not in topic.phrases


@pytest.mark.parametrize(
    ("text", "shot"),
    [
        ("Filmed a time-lapse of the Old Town in Dali with my X7 Pro!", "time-lapse"),
        ("Filmed the Bund at night with my X7 Pro", "video"),
        ("Some pics from Lijiang on my X7 Pro", "pic"),
        ("Took this at the West Lake, no filter", "shot"),
        ("Love the night mode on my X7 Pro!", ""),
    ],
)
def test_a_shared_photo_is_called_by_their_word_for_it(text: str, shot: str) -> None:
    topic = topic_of(text, PRODUCTS)
    assert topic.shot == shot and topic.photo == bool(shot)
    assert topic.subject not in ("the time-lapse", "the video", "the pics")


@pytest.mark.parametrize(
    "text",
    [
        "Does the Note 9 support wireless charging?",
        "Is the Buds 3 Pro case waterproof?",
    ],
)
def test_a_model_name_is_never_cut_to_its_number(text: str) -> None:
    topic = topic_of(text, PRODUCTS)
    assert not re.search(r"\b\d+\b", topic.subject) and topic.subject, topic
    assert not any(p.isdigit() for p in topic.phrases)


def test_a_word_after_it_or_still_is_a_verb_not_a_thing() -> None:
    text = "Can you send my order LX202612030001 to Macau? The app still lists it as pending"
    topic = topic_of(text, PRODUCTS)
    assert topic.subject == "shipping" and topic.where == "to Macau"
    assert "lists" not in topic.phrases
    assert topic_of("Will it sync with my Garmin?", PRODUCTS).subject == "your Garmin"
    assert topic_of("Is it waterproof?", PRODUCTS).subject == "the waterproof"  # "is it": no verb


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        # A thing named right after a service verb wins over the service, with the verb.
        ("could I pay with Alipay on the website?", "paying with Alipay"),
        ("how do I update the maps on my watch?", "updating the maps"),
        ("does it pair with my Galaxy S24?", "pairing with your Galaxy S24"),
        # With no thing right after it, the service stays.
        ("Can I return it if the colour is wrong?", "returns"),
        ("Will you deliver to Macau?", "delivery"),
        # Its forms name it too.
        ("could it be delivered to Taipei?", "delivery"),
    ],
)
def test_a_thing_named_after_a_service_verb_wins(text: str, subject: str) -> None:
    assert topic_of(text, PRODUCTS).subject == subject


def test_what_a_question_says_before_it_starts_asking_is_no_part_of_it() -> None:
    topic = topic_of("Really love the screen on my X7, but how do I turn on dark mode?", PRODUCTS)
    assert topic.subject == "the dark mode" and topic.praise == "the screen"
    topic = topic_of("Just arrived in Lisbon, how do I get mobile data working?", PRODUCTS)
    assert topic.where == "in Lisbon"
    # A question that names nothing asks about the thing said just before it.
    topic = topic_of("I got the extended warranty with it, is this included?", PRODUCTS)
    assert topic.subject == "the extended warranty"


@pytest.mark.parametrize(
    ("text", "praise"),
    [
        ("The camera on my X7 is incredible! how do I shoot RAW?", "the camera"),
        ("Loving the battery life so far. Which charger should I buy?", "the battery life"),
        ("The speaker is not great, how do I make it louder?", ""),  # negated: no praise
        ("The amazing new screen keeps freezing, any fix?", ""),  # a problem with it
    ],
)
def test_what_they_rave_about_is_read_besides_the_question(text: str, praise: str) -> None:
    assert topic_of(text, PRODUCTS).praise == praise


def test_what_a_question_wants_its_thing_for_stays_with_it() -> None:
    text = "Can I get a receipt / invoice in English for my employer?"
    assert topic_of(text, PRODUCTS).subject == "the receipt for your employer"
    text = "Can I get a VAT invoice for the tax refund?"
    found = answer_for(KB, text, topic_of(text, PRODUCTS))
    assert found is not None and found.id in ("vat_invoice", "tourist_tax_refund", "invoice")


def test_a_plural_topic_finds_the_entry_written_in_the_singular() -> None:
    text = "do you offer interest-free installments on the X7 Pro?"
    found = answer_for(KB, text, topic_of(text, PRODUCTS))
    assert found is not None and found.id == "installment"
    # An entry that only the added singular matches is not taken.
    text = "Are Google Play services on the X7?"
    found = answer_for(KB, text, topic_of(text, PRODUCTS))
    assert found is None or found.id != "english_service"
