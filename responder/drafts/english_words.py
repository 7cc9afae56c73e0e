"""The words English topics are read with (responder.drafts.english): what is never a
topic, the verbs that name a service, what went wrong, photo words and place nouns. Plain
lists to extend when a mention shows a gap."""

from __future__ import annotations

import re


def words_of(text: str) -> frozenset[str]:
    """The words of a text written one after another, as a set."""
    return frozenset(text.split())


# The adjectives people use around a topic: never a topic on their own, but written with a
# capital before another name they start one ("the Great Wall", "New York", "Old Town").
ADJECTIVES = words_of("""
    annoying amazing awesome perfect beautiful gorgeous stunning lovely cool terrible
    horrible awful frustrating frustrated disappointed happy sad angry upset excited glad
    good great nice bad fine new old better best worse worst fast slow valid local physical
    last next first same other another sure able possible available free whole
    insane incredible brilliant fantastic superb excellent impressive unreal
    """)
# Words that never start or end a topic: function words, pronouns, common verbs, small
# talk, time words, adverbs and the adjectives people use around a topic.
STOP = (
    words_of("""
    a an the this that these those it its it's i i'm i've i'd me my mine you your you're we
    our us they their them he she his her there here who what which when where why how
    whether if then than so and or but nor not no yes yeah ok okay also too just only even
    still already again all any some each every both few more most much many very really
    super quite pretty honestly actually literally totally please thanks thank thx hi hey
    hello dear guys folks everyone anyone someone team official admin q question questions
    is am are was were be been being do does did done doing have has had having can could
    will would shall should may might must shan't can't couldn't won't wouldn't don't
    doesn't didn't isn't aren't wasn't weren't haven't hasn't cannot
    get gets got getting make makes made use used using try tried trying need needs needed
    want wants wanted know knew think thought see saw look looking find found tell told
    ask asked give gave keep kept say said go goes went going come came take took taken
    buy bought buying switch switched change changed turn turned set put let help helps
    work works worked working fix fixed move moving moved travel traveling travelling
    fly flying leave leaving love loved like liked hate hated enjoy swap swapping request
    support supports supported ship shipped send sent order ordered pay paid drop dropped
    happen happened seem seems feel felt wait waiting waited check checked
    to of in on at by for with from into onto about over under near around through after
    before during without within via per up down out off away back
    way ways thing things stuff lot lots bit time times day days week weeks month months
    year years today tonight yesterday tomorrow now soon later ago morning evening
    everything something anything nothing related tourist student traveller traveler expat
    user customer fan since tips tip opened bought says say dusk everywhere anywhere
    they're we're that's there's what's it'll i'll you'll let's here's he's she's
    zero one two three four five six seven eight nine ten
    dawn sunset sunrise weekend friday monday tuesday wednesday thursday saturday
    sunday phone phones mobile device one ones issue issues problem problems setting
    settings option options
    usually normally often always never sometimes quick quickly idea ideas
    shot shoot shooting took breaks break broke broken caught catch landed land landing arrived
    merry christmas xmas celebrate celebrating lol haha long filmed captured snapped recorded
    """)
    | ADJECTIVES
)
# Written with a capital letter but no place: a language is what a setting switches to.
LANGUAGES = words_of("english chinese mandarin cantonese french german spanish japanese korean")
# A question whose only content is what we should do: the topic is the service itself.
VERB_TOPICS = {
    "ship": "shipping",
    "deliver": "delivery",
    "send": "shipping",
    "return": "returns",
    "refund": "the refund",
    "exchange": "an exchange",
    "repair": "the repair",
    "fix": "the repair",
    "update": "the update",
    "upgrade": "the update",
    "cancel": "cancelling the order",
    "pay": "payment",
    "pair": "pairing",
}
# What a draft calls doing it to a thing they name: "pay in installments" is "paying in
# installments", "update the firmware" "updating the firmware".
GERUNDS = {
    "ship": "shipping",
    "deliver": "delivering",
    "send": "sending",
    "return": "returning",
    "refund": "refunding",
    "exchange": "exchanging",
    "repair": "repairing",
    "fix": "fixing",
    "update": "updating",
    "upgrade": "upgrading",
    "cancel": "cancelling",
    "pay": "paying",
    "pair": "pairing",
}
REPAIR = VERB_TOPICS["fix"]  # yields to the thing that went wrong, when they name one
ORDER_STATUS = "the order status"
# An order, a parcel or their numbers: "any update?" then asks after the order.
ORDERED = re.compile(
    r"\b(?:orders?|ordered|parcels?|packages?|tracking|shipment|courier|delivery)\b|"
    r"\b[A-Za-z]{0,4}\d{8,}\b",
    re.IGNORECASE,
)
QUESTION_WORDS = words_of(
    "how what when where why which who can could does do is are will would any anyone"
)
PROBLEM = re.compile(
    r"\b(?:crack\w*|broke\w*|slow\w*|stuck|dead|die[sd]?|dying|not working|won't|can't|"
    r"doesn't|isn't|keeps?|freez\w*|crash\w*|lag\w*|drain\w*|hot|overheat\w*|missing|"
    r"lost|wrong|late|delayed|damaged|error\w*|fail\w*|bug\w*|disconnect\w*|worried|concerned)\b",
    re.IGNORECASE,
)
# What they rave about ("the ANC is insane", "love the camera"), unless it is negated.
PRAISE = re.compile(
    r"\b(?:amazing|awesome|insane|incredible|brilliant|perfect|fantastic|superb|excellent|"
    r"impressive|stunning|gorgeous|beautiful|great|love[sd]?|loving|so good|unreal|"
    r"mind-?blowing|blown away)\b",
    re.IGNORECASE,
)
NEGATED = re.compile(r"\b(?:not|never|no)\b|n't\b", re.IGNORECASE)
PHOTO = re.compile(
    r"\b(?:took this|shot (?:this|on|with|the|a|an|my|some)|filmed|photo\w*|pics?|pictures?|"
    r"snap(?:ped)?|captured|this shot|videos?|footage|clips?|time-?lapses?|vlogs?)\b",
    re.IGNORECASE,
)
# What a draft calls what they made, by the word they used ("shot" when they only say
# they took it): "What a time-lapse of the Great Wall!"
SHOTS = {
    "photo": "photo",
    "pic": "pic",
    "picture": "picture",
    "video": "video",
    "footage": "video",
    "filmed": "video",
    "clip": "clip",
    "vlog": "vlog",
    "timelapse": "time-lapse",
    "time-lapse": "time-lapse",
}
# The last word of a name that is a place ("the Great Wall", "West Lake", "Jing'an Temple"):
# a happy draft says it had a good time there, not that it "is working out".
PLACE_NOUNS = words_of("""
    wall walls lake lakes city town village park mountain mountains mount hill hills peak
    temple palace street road avenue tower bridge beach island islands river square garden
    gardens museum station airport market bay falls valley gate canyon desert forest
    coast harbour harbor cathedral church castle zoo base pagoda bund
    """)
PLACE_BEFORE = frozenset({"in", "to", "at", "near", "from", "around"})


def shot_of(text: str) -> str:
    """Their word for what they made: the first noun that says it ("Filmed a time-lapse":
    time-lapse), else what a verb says ("filmed": video), else "shot"."""
    said = [m.group(0).lower() for m in PHOTO.finditer(text)]
    nouns = [shot_word(w) for w in said if not w.endswith("ed")]
    verbs = [shot_word(w) for w in said if w.endswith("ed")]
    return next((s for s in nouns + verbs if s != "shot"), "shot")


def shot_word(said: str) -> str:
    """What a draft calls one photo word: "pics" is "pic", "footage" a "video"."""
    word = said.lower()
    word = word if word in SHOTS else word.removesuffix("s")
    return SHOTS.get(word, "photo" if word.startswith("photo") else "shot")
