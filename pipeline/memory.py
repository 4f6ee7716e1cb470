"""A persistent translation memory: outputs already computed are never computed again.

Entries are keyed by a namespace (model and revision, backend, precision and decoding settings,
hashed) and the exact input text, in one SQLite file (``cache.path``). The same store serves
summaries under their own namespace. The wrappers satisfy the same protocols as what they wrap,
and call it only for the inputs the memory does not hold, so a fully warm run loads no weights.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

_SCHEMA = """CREATE TABLE IF NOT EXISTS memory (
    namespace TEXT NOT NULL, source TEXT NOT NULL, output TEXT NOT NULL,
    PRIMARY KEY (namespace, source)) WITHOUT ROWID"""


@dataclass
class Usage:
    """How many inputs the memory answered (hits) and how many the model had to (misses)."""

    hits: int = 0
    misses: int = 0


class Memory:
    """The SQLite store behind the cached wrappers."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        self.usage: dict[str, Usage] = {}

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            with self._reported():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # Several runs may share one memory: WAL lets them read while one writes, and a
                # writer waits (up to a minute) for another's short transaction.
                self._conn = sqlite3.connect(self.path, timeout=60)
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute(_SCHEMA)
        return self._conn

    @contextmanager
    def _reported(self) -> Iterator[None]:
        """Turn a broken or unwritable memory file into one message naming ``cache.path``."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(f"cache.path {self.path}: the translation memory cannot be used "
                              f"({exc}); move the file away, point cache.path elsewhere, or set "
                              "cache.enabled: false") from None

    def lookup(self, namespace: str, sources: Sequence[str]) -> dict[str, str]:
        """The stored outputs for those of ``sources`` the memory holds."""
        conn, found = self._connect(), {}
        unique = list(dict.fromkeys(sources))
        with self._reported():
            for start in range(0, len(unique), 500):  # SQLite caps the number of parameters
                part = unique[start:start + 500]
                marks = ",".join("?" * len(part))
                rows = conn.execute(f"SELECT source, output FROM memory WHERE namespace = ? "
                                    f"AND source IN ({marks})", [namespace, *part])
                found.update(rows.fetchall())
        return found

    def store(self, namespace: str, pairs: dict[str, str]) -> None:
        """Remember outputs (one transaction)."""
        conn = self._connect()
        with self._reported(), conn:
            conn.executemany("INSERT OR REPLACE INTO memory VALUES (?, ?, ?)",
                             [(namespace, s, o) for s, o in pairs.items()])

    def close(self) -> None:
        """Close the database (it is reopened on the next use)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def namespace(settings: dict[str, Any]) -> str:
    """A short stable hash of everything that changes an output."""
    blob = json.dumps(settings, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:32]


class _Cached:
    """Shared logic: answer from memory, send the rest (each distinct text once) to ``call``."""

    kind = ""

    def __init__(self, inner: Any, memory: Memory) -> None:
        self.inner = inner
        self.memory = memory
        self.key = inner.cache_key()
        self.namespace = namespace({"kind": self.kind, **self.key})
        self.usage = memory.usage.setdefault(self.kind, Usage())

    def __getattr__(self, name: str) -> Any:  # count_tokens, max_input_tokens, ...
        return getattr(self.inner, name)

    @property
    def model_seconds(self) -> float:
        """Seconds the wrapped model spent inside model calls."""
        return float(self.inner.model_seconds)

    def _through(self, texts: Sequence[str], call: Any, progress: Any = None) -> list[str]:
        known = self.memory.lookup(self.namespace, texts)
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        hits = sum(t in known for t in texts)
        self.usage.hits += hits
        self.usage.misses += len(texts) - hits
        if progress:  # answered at once; repeated texts are computed once, counted here too
            progress(len(texts) - len(todo))
        if todo:
            outputs = call(todo, progress=progress)
            if len(outputs) != len(todo):
                raise ValueError(f"{len(outputs)} outputs for {len(todo)} inputs")
            fresh = dict(zip(todo, outputs, strict=True))
            self.memory.store(self.namespace, fresh)
            known.update(fresh)
        return [known[t] for t in texts]


class CachedTranslator(_Cached):
    """A :class:`~pipeline.translate.Translator` with a translation memory in front.

    Token counts (segmenting needs one per sentence) are remembered too, so that a run whose
    sentences are all known never loads the tokenizer.
    """

    kind = "translation"

    def __init__(self, inner: Any, memory: Memory) -> None:
        super().__init__(inner, memory)
        self._counts = namespace({"kind": "tokens", "model": self.key.get("model"),
                                  "weights": self.key.get("weights")})
        self._new_counts: dict[str, str] = {}
        # Mean log-probabilities (repr of a float) of the translations, by source, in their
        # own namespace: the memory's table is unchanged, and a translation stored without
        # one (by an older version, or by translate()) has a None score.
        self._logprobs = namespace({"kind": "translation-logprob", **self.key})

    def count_tokens(self, text: str) -> int:
        """The model's token count for ``text``, from the memory when it has been seen."""
        if text in self._new_counts:
            return int(self._new_counts[text])
        known = self.memory.lookup(self._counts, [text])
        if text in known:
            return int(known[text])
        count = self.inner.count_tokens(text)
        self._new_counts[text] = str(count)
        return count

    def translate(self, texts: Sequence[str], progress: Any = None) -> list[str]:
        """Translate, reusing every translation the memory already holds."""
        self._store_counts()
        return self._through(texts, self.inner.translate, progress)

    def translate_scored(self, texts: Sequence[str], progress: Any = None
                         ) -> list[tuple[str, float | None]]:
        """Translate with the model's mean log-probabilities, both reused from the memory.

        A translation computed now stores its score beside it; a remembered translation gets
        its remembered score, or None when it was stored without one.
        """
        self._store_counts()
        inner = getattr(self.inner, "translate_scored", None)
        fresh: dict[str, str] = {}

        def call(todo: list[str], progress: Any = None) -> list[str]:
            pairs = (inner(todo, progress=progress) if inner is not None
                     else [(t, None) for t in self.inner.translate(todo, progress=progress)])
            fresh.update((source, repr(float(score))) for source, (_, score)
                         in zip(todo, pairs, strict=True) if score is not None)
            if fresh:  # before the translations: none is ever stored without its score
                self.memory.store(self._logprobs, fresh)
            return [text for text, _ in pairs]

        outputs = self._through(texts, call, progress)
        remembered = [t for t in dict.fromkeys(texts) if t not in fresh]  # fresh: known here
        scores = {**self.memory.lookup(self._logprobs, remembered), **fresh}
        return [(output, float(scores[t]) if t in scores else None)
                for t, output in zip(texts, outputs, strict=True)]

    def _store_counts(self) -> None:
        if self._new_counts:
            self.memory.store(self._counts, self._new_counts)
            self._new_counts = {}


class CachedSummariser(_Cached):
    """A :class:`~pipeline.summarise.Summariser` with a memory in front.

    Stores the chunk count with each summary so a warm run reports the same statistics.
    """

    kind = "summary"

    def __init__(self, inner: Any, memory: Memory) -> None:
        super().__init__(inner, memory)
        self.chunks: list[int | None] = []

    def summarise(self, texts: Sequence[str], progress: Any = None) -> list[str]:
        """Summarise, reusing every summary the memory already holds."""
        stored = self._through(texts, self._fresh, progress)
        records = [json.loads(s) for s in stored]
        self.chunks = [r.get("chunks") for r in records]
        return [r["summary"] for r in records]

    def _fresh(self, texts: list[str], progress: Any = None) -> list[str]:
        summaries = self.inner.summarise(texts, progress=progress)
        chunks = getattr(self.inner, "chunks", None) or [None] * len(texts)
        return [json.dumps({"summary": s, "chunks": c}, ensure_ascii=False)
                for s, c in zip(summaries, chunks, strict=True)]
