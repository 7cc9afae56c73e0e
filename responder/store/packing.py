"""A mention's drafts, stored compactly.

Three drafts are about 540 bytes of JSON, most of it the templates' own words, and every
pending mention holds them. They are stored as a zstd frame compressed with a dictionary
made of the templates' literal text (and the brand and knowledge-base facts they quote),
base64-encoded so the hash stays text: about 195 bytes. The value reads
`z2:<dictionary id>:<base64>`; a value from before (plain JSON) still reads. (Base64, not
base85: Python's base85 encoder is pure Python and cost twice the compression.)

The dictionary follows the template files, so an edit makes a new one with a new id. Each
process that writes publishes its dictionary in Redis under its id, and a reader that
meets an id it has not built (another process's templates, an edit made since) fetches it
from there (`Store.mention` does), so every stored value stays readable.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import orjson
import zstandard

from responder.drafts.style import packaged_path

PREFIX = "z2:"
LEVEL = 9  # 13 µs a mention; level 3 is 4 µs but 20% larger
MAX_OUTPUT = 1 << 16  # bytes: three drafts are far smaller
_TAG = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
_QUOTED = re.compile(r"[\"']([^\"'\n]{2,})[\"']")
_SPACE = re.compile(r"\n\s*")
_FACT_FILES = ("kb.toml", "brand.toml", "manners.toml")


class UnknownDictionary(LookupError):
    """A packed value names a dictionary this process has not built or fetched."""

    def __init__(self, ident: str) -> None:
        super().__init__(f"drafts dictionary {ident} is not known here")
        self.ident = ident


def dictionary_of(directory: Path, fallback: Path | None = None) -> bytes:
    """The literal text of a templates folder: each template with its tags taken out,
    every quoted string (one_of's choices, brand and knowledge-base facts). `fallback`:
    where a fact file missing from `directory` is read (the packaged folder)."""
    parts: list[str] = []
    for path in sorted(directory.glob("*.j2")):
        source = path.read_text("utf-8")
        parts.append(_TAG.sub("\n", source))
        parts += _QUOTED.findall(source)
    for name in _FACT_FILES:
        path = directory / name
        if not path.exists() and fallback is not None:
            path = fallback / name
        if path.exists():
            parts += _QUOTED.findall(path.read_text("utf-8"))
    return "\n".join(_SPACE.sub("\n", part) for part in parts).encode()


def ident_of(dictionary: bytes) -> str:
    return hashlib.blake2b(dictionary, digest_size=5).hexdigest()


class Packer:
    """The dictionaries this process knows, and the one it packs with."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, zstandard.ZstdCompressionDict] = {}
        self._current: tuple[str, bytes, zstandard.ZstdCompressor] | None = None

    def use(self, dictionary: bytes) -> str:
        """Pack from now on with `dictionary`; return its id."""
        ident = self.learn(dictionary)
        compressor = zstandard.ZstdCompressor(
            level=LEVEL,
            dict_data=self._known[ident],
            write_content_size=False,  # the frame carries nothing it need not
            write_checksum=False,
            write_dict_id=False,
        )
        self._current = (ident, dictionary, compressor)
        return ident

    def learn(self, dictionary: bytes) -> str:
        """Know `dictionary` for reading; return its id."""
        ident = ident_of(dictionary)
        with self._lock:
            if ident not in self._known:
                data = zstandard.ZstdCompressionDict(
                    dictionary, dict_type=zstandard.DICT_TYPE_RAWCONTENT
                )
                data.precompute_compress(level=LEVEL)
                self._known[ident] = data
        return ident

    @property
    def current(self) -> tuple[str, bytes]:
        """(id, dictionary) of what this process packs with (the packaged templates' unless
        `use` was called)."""
        ident, dictionary, _ = self._packing()
        return ident, dictionary

    def pack(self, drafts: Sequence[tuple[str, str]]) -> str:
        """Return the stored value of (text, template) pairs."""
        ident, _, compressor = self._packing()
        frame = compressor.compress(orjson.dumps([list(d) for d in drafts]))
        return f"{PREFIX}{ident}:{base64.b64encode(frame).decode()}"

    def _packing(self) -> tuple[str, bytes, zstandard.ZstdCompressor]:
        if self._current is None:
            self.use(_packaged())
        assert self._current is not None
        return self._current

    def missing(self, value: str | None) -> str | None:
        """The id of the dictionary `value` needs if this process lacks it, else None."""
        if not value or not value.startswith(PREFIX):
            return None
        ident = value[len(PREFIX) :].split(":", 1)[0]
        return None if ident in self._known else ident

    def unpack(self, value: str | None) -> list[list[str]]:
        """Return the (text, template) pairs of a stored value ([] for none)."""
        if not value:
            return []
        if not value.startswith(PREFIX):
            return list(orjson.loads(value))
        ident, _, body = value[len(PREFIX) :].partition(":")
        data = self._known.get(ident)
        if data is None:
            raise UnknownDictionary(ident)
        raw = zstandard.ZstdDecompressor(dict_data=data).decompress(
            base64.b64decode(body), max_output_size=MAX_OUTPUT
        )
        return list(orjson.loads(raw))


def _packaged() -> bytes:
    return dictionary_of(packaged_path().parent)  # the templates shipped with Tiexin


PACKER = Packer()  # one per process: the pipeline packs, the web reads
