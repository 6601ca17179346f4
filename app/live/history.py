"""Stream history: what a page missed between its render and its socket, or while its socket was away, is sent to
it again instead of a refresh.

Every stream the publisher pushes (app/live/publisher.py) is also appended to a bounded Redis Stream per topic,
`timeboard:history:<topic>` (the last STREAM_HISTORY_LENGTH entries of the last STREAM_HISTORY_SECONDS seconds),
in the same Lua call that publishes it, so the history's order is the order the gateways see. The entry's id
(`<ms>-<seq>`, one sequence across every topic) is the stream's *offset*; the published message carries it and the
gateway writes it before the stream (`<turbo-stream action="offset">`), so a page always knows the last offset it
applied.

A page is rendered with the offset it is current to (<meta name="stream-offset">, taken when its request
started: whatever is published later may be missing from what it shows), `<epoch>:<id>`. Its socket asks to
resume "since" that offset, or since the last one it applied when it reconnects. The gateway then sends
what the topics' histories hold after it, compacted (compact()), before anything live: or, when the
history no longer reaches back that far (trimmed, expired, or Redis lost it: the epoch, a random value
kept in Redis, changed), tells the page to refresh, as every reconnect did before.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import redis

HISTORY_PREFIX = "timeboard:history:"
EPOCH_KEY = "timeboard:history:epoch"
LAST_KEY = "timeboard:history:last-id"  # the last id given to a message, whatever its topics

# KEYS: the topics' history keys, then LAST_KEY. ARGV: channel, max length, seconds, the stream, the message's JSON
# without its closing brace, the message id (one message to several topics is one entry of each: the gateway replays
# it once). One id for the message in every topic, after the last one given to any: ids order all messages as they
# were published, whichever topics they went to, so a page's one offset covers all its topics. Returns it.
_RECORD_AND_PUBLISH = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local seconds = tonumber(ARGV[3])
local last_key = KEYS[#KEYS]
local ms, seq = now_ms, 0
local last = redis.call('GET', last_key)
if last then
  local last_ms, last_seq = string.match(last, '^(%d+)-(%d+)$')
  last_ms, last_seq = tonumber(last_ms), tonumber(last_seq)
  if last_ms >= now_ms then ms, seq = last_ms, last_seq + 1 end
end
local id = string.format('%d-%d', ms, seq)
redis.call('SET', last_key, id)
for i = 1, #KEYS - 1 do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[2], id, 's', ARGV[4], 'm', ARGV[6])
  redis.call('XTRIM', KEYS[i], 'MINID', '~', tostring(now_ms - seconds * 1000))
  redis.call('PEXPIRE', KEYS[i], seconds * 1000)
end
redis.call('PUBLISH', ARGV[1], ARGV[5] .. ',"offset":"' .. id .. '"}')
return id
"""

_ID = re.compile(r"^(\d{1,20})-(\d{1,20})$")
MAX_SEQ = 2 ** 64 - 1


def history_key(topic) -> str:
    return f"{HISTORY_PREFIX}{topic}"


def parse_id(value) -> tuple[int, int] | None:
    """An entry id `<ms>-<seq>` as a comparable pair; None for anything else."""
    if isinstance(value, bytes):
        value = value.decode()
    match = _ID.match(value) if isinstance(value, str) else None
    return (int(match[1]), int(match[2])) if match else None


def format_id(pair: tuple[int, int]) -> str:
    return f"{pair[0]}-{pair[1]}"


@dataclass(frozen=True)
class Since:
    """Where a page asks to resume from: the epoch its offset belongs to, and the last entry id it has."""
    epoch: str
    id: tuple[int, int]

    @classmethod
    def parse(cls, value: str | None) -> Since | None:
        epoch, _, raw = (value or "").partition(":")
        pair = parse_id(raw)
        if not epoch or len(epoch) > 64 or pair is None:
            return None
        return cls(epoch, pair)

    def __str__(self) -> str:
        return f"{self.epoch}:{format_id(self.id)}"


# -- publishing (app/live/publisher.py) ----------------------------------------------------------------------------
def record_and_publish(pipe, channel: str, topics: list[str], stream: str, message_prefix: str, message_id: str,
                       length: int, seconds: int) -> None:
    """On `pipe`: append the stream to each topic's history and publish the message (its JSON without the closing
    brace) with its offset added, in one step. The script goes as EVAL, not as a registered script: redis-py checks a
    registered script with SCRIPT EXISTS before every pipeline that holds one, a round trip more per push, while Redis
    keeps EVAL's compiled script by its hash anyway."""
    keys = [*(history_key(t) for t in topics), LAST_KEY]
    pipe.eval(_RECORD_AND_PUBLISH, len(keys), *keys, channel, length, seconds, stream, message_prefix, message_id)


# -- the offset a page is rendered with ----------------------------------------------------------------------------
def current_offset(connection: redis.Redis) -> str:
    """`<epoch>:<id>`: everything published from now on has a greater id (one round trip; the epoch is made on
    first use). Raises redis.RedisError."""
    pipe = connection.pipeline(transaction=False)
    pipe.set(EPOCH_KEY, secrets.token_hex(8), nx=True)
    pipe.get(EPOCH_KEY)
    pipe.time()
    _, epoch, (seconds, micros) = pipe.execute()
    ms = seconds * 1000 + micros // 1000
    return str(Since(epoch.decode(), (ms - 1, MAX_SEQ)))  # every entry of this millisecond on


# -- replay (the gateway) ------------------------------------------------------------------------------------------
@dataclass
class Replay:
    """What a resuming socket is sent before anything live: the compacted streams after its offset and the newest
    offset among them; or `complete` False: the history does not reach back, the page must refresh."""
    stream: str = ""
    last: tuple[int, int] | None = None
    complete: bool = True


async def replay(connection, topics: list[str], since: Since, seconds: int) -> Replay:
    """Read, for the topics (all authorized for this socket), what their histories hold after `since` (one round
    trip on an asyncio Redis connection). Raises redis.RedisError."""
    pipe = connection.pipeline(transaction=False)
    pipe.get(EPOCH_KEY)
    pipe.time()
    for topic in topics:
        pipe.xinfo_stream(history_key(topic))
        pipe.xrange(history_key(topic), min=f"({format_id(since.id)}", max="+")
    results = await pipe.execute(raise_on_error=False)
    epoch, now = results[0], results[1]
    if isinstance(epoch, Exception) or isinstance(now, Exception):
        raise epoch if isinstance(epoch, Exception) else now
    if epoch is None or epoch.decode() != since.epoch:
        return Replay(complete=False)  # Redis lost its history (restarted empty) since the page's offset
    # Entries go oldest first (trimmed by count or age, or the whole key expired after `seconds` without one): what
    # follows the offset is all there when the history still starts at or before it, or when nothing was ever
    # trimmed from it and the offset is younger than `seconds` (so no earlier key of this topic expired since).
    recent = since.id[0] >= int(now[0]) * 1000 + int(now[1]) // 1000 - seconds * 1000
    entries: dict[str, tuple[tuple[int, int], str]] = {}  # message id -> (entry id, stream): each message once
    for info, found in zip(results[2::2], results[3::2], strict=True):
        if isinstance(info, redis.ResponseError):  # no history: nothing published for `seconds`, or ever
            if not recent:
                return Replay(complete=False)
            continue
        if isinstance(info, Exception):
            raise info
        if isinstance(found, Exception):
            raise found
        first = parse_id(info.get("recorded-first-entry-id") or b"0-0") or (0, 0)
        untrimmed = info.get("entries-added") == info.get("length")
        if first > since.id and not (untrimmed and recent):
            return Replay(complete=False)
        for entry_id, fields in found:
            pair = parse_id(entry_id)
            message = (fields.get(b"m") or entry_id).decode()
            stream = fields.get(b"s", b"").decode()
            if pair is not None and message not in entries:
                entries[message] = (pair, stream)
    ordered = sorted(entries.values())
    return Replay(compact([stream for _, stream in ordered]), ordered[-1][0] if ordered else None)


# -- compaction ----------------------------------------------------------------------------------------------------
_ELEMENT = re.compile(r"<turbo-stream\b[^>]*>.*?</turbo-stream>", re.DOTALL)
_ACTION = re.compile(r'\baction="([^"]*)"')
_TARGET = re.compile(r'\btargets?="([^"]*)"')
_SUPERSEDED = {"replace", "update"}  # the last one per target says it all


def compact(streams: list[str]) -> str:
    """The streams, oldest first, as one: only the last replace/update per DOM target and the last refresh, and every
    other action (append, prepend, remove, before, after) in order."""
    elements: list[tuple[str, str | None, str]] = []
    for stream in streams:
        for element in _ELEMENT.findall(stream):
            head = element[:element.index(">") + 1]
            action = _ACTION.search(head)
            target = _TARGET.search(head)
            elements.append((action[1] if action else "", target[1] if target else None, element))
    last: dict[tuple[str, str | None], int] = {}
    for index, (action, target, _) in enumerate(elements):
        if action in _SUPERSEDED:
            last["content", target] = index
        elif action == "refresh":
            last["refresh", None] = index
    kept = []
    for index, (action, target, element) in enumerate(elements):
        if action in _SUPERSEDED and last["content", target] != index:
            continue
        if action == "refresh" and last["refresh", None] != index:
            continue
        kept.append(element)
    return "".join(kept)
