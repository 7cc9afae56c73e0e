"""Every Redis key Tiexin uses, in one place.

All keys share one hash tag (`{prefix}`), so Lua scripts that touch a mention and
the queue together stay valid on Redis Cluster, and several deployments can share
one Redis by choosing different prefixes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from responder.store.stages import Stage

PIPELINE_GROUP = "pipeline"  # consumer group of pipeline workers on the ingest stream
OUTBOX_GROUP = "outbox"  # consumer group of senders on the outbox stream
NOTIFIER_GROUP = "notifier"  # consumer group of notifiers on the alerts stream


def mention_id(platform: str, account: str, platform_id: str) -> str:
    """Return the stable id of a mention: the same delivery always maps to the same id."""
    identity = "\x1f".join((platform, account, platform_id)).encode()
    return hashlib.blake2b(identity, digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class Keys:
    """Key names under one prefix."""

    prefix: str = "tiexin"

    @property
    def root(self) -> str:
        return "{" + self.prefix + "}"

    @property
    def ingest(self) -> str:
        """Stream of raw mentions from pollers (consumer group `pipeline`)."""
        return f"{self.root}:ingest"

    @property
    def rejected(self) -> str:
        """Stream of inputs that could not be used, kept with the reason."""
        return f"{self.root}:rejected"

    @property
    def queue(self) -> str:
        """ZSET of open conversations (their head mention id) scored by deadline."""
        return f"{self.root}:queue"

    @property
    def priority(self) -> str:
        """ZSET of open conversations scored so that the lowest is the highest priority."""
        return f"{self.root}:queue:priority"

    @property
    def no_reply(self) -> str:
        """ZSET of mentions that need no answer (无需回复: chatter, cheers, bare reposts,
        fans answering fans), scored by minus when they were set aside (newest first).
        They take no timer; `POST /api/mentions/{id}/needs_reply` moves one to the queue."""
        return f"{self.root}:noreply"

    @property
    def draft_stats(self) -> str:
        """Hash of counts per draft template: offered, sent as is, edited, passed over."""
        return f"{self.root}:drafts:stats"

    def drafts_dictionary(self, ident: str) -> str:
        """String: the dictionary stored drafts were packed with (store/packing.py)."""
        return f"{self.root}:drafts:dict:{ident}"

    def due(self, stage: Stage) -> str:
        """ZSET of mention ids scored by when alert `stage` is due (due:warn, due:breach,
        due:escalate)."""
        return f"{self.root}:due:{stage.word}"

    @property
    def drafts_llm(self) -> str:
        """Hash of the model endpoint's counters, from every process ([drafts.llm], shown
        by /api/health): requests, ok, failed:<reason>, skipped:<why>, dropped:<why>,
        stored, tokens_in, tokens_out; and `state`, how the last request went."""
        return f"{self.root}:drafts:llm"

    @property
    def drafts_llm_latency(self) -> str:
        """List of the last model requests' latencies in ms, newest first (capped)."""
        return f"{self.root}:drafts:llm:latency"

    def drafts_llm_rate(self, minute: int) -> str:
        """String: model requests started in one minute (epoch // 60), by every process."""
        return f"{self.root}:drafts:llm:rate:{minute}"

    @property
    def events(self) -> str:
        """Global append-only stream of every mention event (reports read this)."""
        return f"{self.root}:events"

    @property
    def config(self) -> str:
        """Hash of the config in effect on every process: its TOML text, version (a
        counter), sha256, when and by whom it was loaded (responder/reload)."""
        return f"{self.root}:config"

    @property
    def barrier(self) -> str:
        """String: a counter every acknowledged write bumps before Redis WAIT, on the
        connection that then waits, so the replicas' count covers the writes before it
        (store/durable.py). Its value means nothing."""
        return f"{self.root}:wait"

    @property
    def config_changed(self) -> str:
        """Pub/sub channel: a new config version was stored (the message is the version)."""
        return f"{self.root}:config:changed"

    @property
    def dead(self) -> str:
        """Stream of ingest entries the pipeline could not queue (dead letters), with why."""
        return f"{self.root}:dead"

    @property
    def alerts(self) -> str:
        """Stream of alert stages fired by the sweep (mention, stage, cycle, key, due, at),
        appended in the same step that fires them; the notifier reads it."""
        return f"{self.root}:alerts"

    def alert_sent(self, key: str) -> str:
        """String: the delivery of alert `key` (mention:stage:cycle), set once a channel took
        it, so a redelivered stream entry (restart, another process) is not paged twice."""
        return f"{self.root}:alert:sent:{key}"

    def alert_open_group(self, stage: Stage) -> str:
        """String: the id of the group now gathering `stage` alerts (expires with its
        window; a group id is never opened twice)."""
        return f"{self.root}:alert:open:{stage.word}"

    def alert_group(self, gid: str) -> str:
        """Hash of one group page: stage, opened, until, count, key, delivered channel."""
        return f"{self.root}:alert:group:{gid}"

    def alert_group_members(self, gid: str) -> str:
        """SET of the mention ids one group page covers (an ack link on it acks them all)."""
        return f"{self.root}:alert:group:{gid}:members"

    @property
    def alert_groups(self) -> str:
        """ZSET of warning groups awaiting their summary page, scored by when to look."""
        return f"{self.root}:alert:groups"

    def alert_raised(self, subject: str) -> str:
        """String: an at-once alert about `subject` (a source, the pipeline) is out; while
        it exists the same trouble does not page again."""
        return f"{self.root}:alert:raised:{subject}"

    def channel_health(self, channel: str) -> str:
        """Hash: an alert channel's last success, last failure and its reason (all processes)."""
        return f"{self.root}:alert:channel:{channel}"

    @property
    def alert_secret(self) -> str:
        """String: the key that signs ack links when config names none (made once, kept)."""
        return f"{self.root}:alert:secret"

    @property
    def session_secret(self) -> str:
        """String: the secret the session cookies' key comes from when config names none
        and Redis is external (made once, kept; shared by every process on this Redis)."""
        return f"{self.root}:session:secret"

    @property
    def outbox(self) -> str:
        """Stream of approved replies to post: mention id and send key (consumer group
        `outbox`)."""
        return f"{self.root}:outbox"

    @property
    def outbox_later(self) -> str:
        """ZSET of replies to try again ("id send_key"), scored by when."""
        return f"{self.root}:outbox:later"

    def snippets(self, user: str | None) -> str:
        """HASH of saved snippets (name -> text): one agent's, or the team's for None."""
        return f"{self.root}:snippets:" + ("team" if user is None else f"user:{user}")

    @property
    def away(self) -> str:
        """HASH of the users on a break (login name -> since, POSIX seconds): they get no
        hand-offs."""
        return f"{self.root}:away"

    @property
    def held(self) -> str:
        """ZSET of approvals waiting out their send delay (mention ids), scored by when they
        go out; undoing one takes it out (responder/outbox/holds.py)."""
        return f"{self.root}:outbox:held"

    @property
    def manual(self) -> str:
        """ZSET of approved replies waiting to be posted by a person, scored by when."""
        return f"{self.root}:outbox:manual"

    @property
    def stats(self) -> str:
        """Hash of counters (shown as `stats` by /api/health), each since the data began:
        `duplicates` mentions the platform (or a poll) sent again and were dropped,
        `redelivered` ingest entries read again after a crash whose mention was already
        queued (dropped too), `rejected` inputs a connector could not use, `dead_letters`
        entries set aside."""
        return f"{self.root}:stats"

    @property
    def training(self) -> str:
        """Stream of agents' sentiment corrections (capped), read back as training data."""
        return f"{self.root}:training"

    def mention(self, mid: str) -> str:
        """Hash of one mention's fields, and its events: `e:n` of them in `e:1`... (see
        store/lua.py LOG)."""
        return f"{self.root}:m:{mid}"

    def mention_events(self, mid: str) -> str:
        """List of one mention's events (JSON), oldest first, as data written before its
        events moved into its hash kept them: still read first, and expired with it."""
        return f"{self.root}:m:{mid}:events"

    def seen(self, mid: str) -> str:
        """String: marks a mention id as already taken in; outlives the mention for dedupe."""
        return f"{self.root}:seen:{mid}"

    def followups(self, mid: str) -> str:
        """List of mention ids that joined this head mention's conversation."""
        return f"{self.root}:m:{mid}:followups"

    def conversation(self, platform: str, account: str, thread: str, author: str) -> str:
        """String: the head mention id of an open conversation."""
        return f"{self.root}:conv:{_tail(platform, account, thread, author)}"

    def said(self, platform: str, account: str, thread: str, author: str) -> str:
        """SET of sentences drafted for or sent to one author in one thread (never twice)."""
        return f"{self.root}:said:{_tail(platform, account, thread, author)}"

    def incident(self, iid: str) -> str:
        """Hash of one crisis incident: product, hazard, opened, last, lead, row (the
        member the queue shows), size, reach, injury, severity (responder/incidents/)."""
        return f"{self.root}:incident:{iid}"

    def incident_members(self, iid: str) -> str:
        """ZSET of an incident's member mention ids scored by when each was written."""
        return f"{self.root}:incident:{iid}:members"

    def incident_open(self, iid: str) -> str:
        """ZSET of an incident's members still to answer, the next row to show first
        (first-hand reports first, then by time)."""
        return f"{self.root}:incident:{iid}:open"

    def incident_due(self, iid: str) -> str:
        """Hash: member id → "deadline base" (what scoring it as the queue row needs)."""
        return f"{self.root}:incident:{iid}:due"

    def incident_spread(self, iid: str) -> str:
        """Hash: start of an interval (epoch s) → members written in it."""
        return f"{self.root}:incident:{iid}:spread"

    def incident_match(self, clue: str) -> str:
        """String `IID LAST`: the incident a clue (a mention, a thread, a person, a
        product and hazard) belongs to, and when it was last seen (incidents/match.py)."""
        return f"{self.root}:incident:clue:{_tail(clue)}"

    @property
    def incidents_open(self) -> str:
        """ZSET of incidents with members still to answer, scored by -severity."""
        return f"{self.root}:incidents:open"

    @property
    def incident_rows(self) -> str:
        """Hash: incident id → "row deadline base severity" of its row in the queue (what
        re-ordering the pinned incidents needs without reading every hash)."""
        return f"{self.root}:incidents:rows"

    def history(self, platform: str, author_id: str) -> str:
        """ZSET of one person's closed mentions on a platform (any of the brand's accounts
        there): mention ids scored by when each was written, the newest HISTORY_KEPT kept
        (store/people.py). Written when a mention closes (approved, dismissed, set aside
        by an agent), never when one is taken in, so pending mentions cost nothing here;
        it expires with the closed mentions (retention.closed), and an id whose hash
        expired first is skipped when read."""
        return f"{self.root}:hist:{_tail(platform, author_id)}"

    def linked(self, platform: str, author_id: str) -> str:
        """SET of the other accounts ("platform:author_id") agents linked to this one as
        the same person; every account of a group lists all the others (store/people.py).
        Kept until unlinked: agents made it, and it is small."""
        return f"{self.root}:linked:{_tail(platform, author_id)}"

    def context(self, platform: str, account: str, thread: str, author: str) -> str:
        """LIST of the last messages of one author's thread, oldest first, each JSON
        `[who, text]` (who: "same" the author, "brand" our approved reply): what
        understanding reads as the thread's context (at most CONTEXT_KEPT)."""
        return f"{self.root}:ctx:{_tail(platform, account, thread, author)}"

    @property
    def report_cursor(self) -> str:
        """String: the id of the last global event stream entry the reports' rollups
        counted; only the rollup script that counts the next entries moves it
        (responder/reports/)."""
        return f"{self.root}:rep:cursor"

    @property
    def report_backlog(self) -> str:
        """String: how many conversations are open now, as the rollups counted them."""
        return f"{self.root}:rep:backlog"

    def report_hour(self, hour: int) -> str:
        """Hash of the reports' counters for one UTC hour (epoch seconds // 3600); the
        fields are in responder/reports/tally.py. Kept `[reports] hours_kept`."""
        return f"{self.root}:rep:h:{hour}"

    def report_day(self, day: str) -> str:
        """Hash of the same counters for one day (YYYY-MM-DD) in the team's zone: the sum
        of its hours, written in the same step. Kept `[reports] days_kept`."""
        return f"{self.root}:rep:d:{day}"

    def voice_samples(self, day: str) -> str:
        """List of one day's complaints (mention ids) the voice of the customer quotes and
        names topics by, the first `[reports] listed` of the day; kept as the days are."""
        return f"{self.root}:rep:v:{day}"

    def report_list(self, day: str) -> str:
        """List of one day's breaches and escalations (JSON: id, type, at, platform,
        account), the first `[reports] listed` kept."""
        return f"{self.root}:rep:l:{day}"

    @property
    def report_incidents(self) -> str:
        """ZSET of crisis incidents the rollups saw, scored by their first member's time."""
        return f"{self.root}:rep:incidents"

    @property
    def report_incident_reply(self) -> str:
        """Hash: incident id -> when one of its members was first answered (epoch s)."""
        return f"{self.root}:rep:incidents:reply"

    def cursor(self, connector: str) -> str:
        """String: where a connector's next fetch starts."""
        return f"{self.root}:cursor:{connector}"

    def shared(self, connector: str, key: str) -> str:
        """String: state a connector shares across processes (a token, a rate-limit wait)."""
        return f"{self.root}:shared:{connector}:{key}"

    def lease(self, connector: str) -> str:
        """String: `OWNER UNTIL`, the process polling a connector now and until when
        (renewed while it lives; see ingest/lease.py)."""
        return f"{self.root}:lease:{connector}"

    def health(self, connector: str) -> str:
        """Hash: a connector's health; its fields are in store/source_health.py."""
        return f"{self.root}:health:{connector}"


def _tail(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()
