"""The Python API: translate a list of texts, brief one article, or run a config.

    from pipeline import Briefer

    briefer = Briefer("configs/default.yaml")          # stores the config; loads nothing yet
    briefer.translate(["Bonjour.", "", "Le Sénat a voté la loi."])   # 3 strings back, in order
    result = briefer.brief(open("article.fr.txt", encoding="utf-8").read())
    outcome = briefer.run()                             # what ``python run.py --config`` does

A :class:`Briefer` is made once and called many times: its models are built the first time a
call needs them (the tokenizer and weights when text has to be translated or summarised) and
kept for every later call, ``run`` included. Every call goes through the stages a run uses
(:mod:`pipeline.stages`): French-aware sentence splitting, over-long sentences broken at clause
punctuation (never cut), English and letter-less segments kept as they are, the translation
memory when ``cache.enabled``, the quality checks and the verdict.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .config import Config, load_config
from .errors import ConfigError, InputError, PipelineError
from .records import Article, ArticleResult, TranslatedSegment

if TYPE_CHECKING:
    from .memory import Memory
    from .runner import RunOutcome
    from .stages import Stages
    from .summarise import Summariser
    from .translate import Translator

ConfigLike = Config | str | os.PathLike | Mapping[str, Any] | None

# Config sections whose settings a loaded model depends on: a run with other values there
# builds its own models instead of reusing the Briefer's.
_MODEL_SECTIONS = ("translate", "summarise")


def make_config(config: ConfigLike = None, overrides: Mapping[str, Any] | None = None
                ) -> Config:
    """A validated :class:`~pipeline.config.Config` from any of the forms the API accepts.

    Args:
        config: A YAML file (``str`` or path), a :class:`Config`, a mapping of overrides
            applied to the defaults (as ``overrides`` below), or None for the defaults.
        overrides: ``{"section.key": value}`` applied on top, like the command line's
            ``--set section.key=value``, except that values are Python values (not parsed as
            YAML); a key naming a whole section (``{"translate": {...}}``) merges into it.

    Returns:
        A new config; ``config`` itself is not changed.

    Raises:
        ConfigError: the file is missing or not YAML, a key is unknown or a value not allowed
            (the message names the key and what is allowed).
        TypeError: ``config`` or ``overrides`` is of another type.
    """
    if isinstance(config, Mapping):
        config, overrides = None, {**config, **(overrides or {})}
    if config is None:
        base = Config()
    elif isinstance(config, Config):
        base = config
    elif isinstance(config, (str, os.PathLike)):
        base = load_config(config)
    else:
        raise TypeError(f"config: expected a YAML path, a Config or a mapping of "
                        f"'section.key' overrides, got {type(config).__name__}")
    if overrides is None:
        return base.model_copy(deep=True)
    if not isinstance(overrides, Mapping):
        raise TypeError(f"overrides: expected a mapping of 'section.key' to values, got "
                        f"{type(overrides).__name__}")
    return _overridden(base, overrides)


def _overridden(base: Config, overrides: Mapping[str, Any]) -> Config:
    from pydantic import ValidationError

    from .config_messages import describe  # the command line's wording

    data = base.model_dump()
    for key, value in overrides.items():
        _set(data, key, value)
    origins = {tuple(str(key).split(".")): f"overrides[{key!r}]" for key in overrides}
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe(exc, Config, origins, "overrides")) from None


def _set(data: dict[str, Any], key: Any, value: Any) -> None:
    """Set ``data[a][b]...`` for the dotted ``key``; a mapping merges into a section."""
    if not isinstance(key, str) or not key or not all(key.split(".")):
        raise ConfigError(f"overrides: key {key!r} is not 'section.key' "
                          "(e.g. 'translate.num_beams')")
    *sections, last = key.split(".")
    node = data
    for i, part in enumerate(sections):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"overrides: {key!r}: {'.'.join(sections[:i + 1])!r} is a "
                              "setting, not a section")
        node = child
    if isinstance(value, Mapping) and isinstance(node.get(last), dict):
        for inner, item in value.items():
            _set(node, f"{last}.{inner}", item)
    else:
        node[last] = value


class Briefer:
    """French texts in, English translations and briefs out, with one config's models.

    Make one and call it many times: the constructor only validates and stores the config;
    each model is built the first time a call needs it and then reused by every call
    (:meth:`translate`, :meth:`brief` and :meth:`run`). Close it (or use it as a context
    manager) to close the translation memory. One Briefer serves one thread at a time.

    Args:
        config: A YAML config file (``str`` or path), a :class:`~pipeline.config.Config`, a
            mapping of ``{"section.key": value}`` overrides of the defaults, or None for the
            defaults (those of ``configs/default.yaml``).
        overrides: ``{"section.key": value}`` applied on top of ``config``, as the command
            line's ``--set`` (Python values, not YAML), e.g.
            ``{"translate.model": "models/opus-mt-fr-en", "translate.num_beams": 4}``.

    Raises:
        ConfigError: the config file is missing or invalid, or an override names an unknown
            key or gives a value not allowed.
        TypeError: ``config`` or ``overrides`` is of another type.

    Attributes:
        config: The validated config every call uses.
    """

    def __init__(self, config: ConfigLike = None,
                 overrides: Mapping[str, Any] | None = None) -> None:
        self.config = make_config(config, overrides)
        self._translator: Translator | None = None
        self._summariser: Summariser | None = None
        self._memory: Memory | None = None
        self._stages: dict[bool, Stages] = {}  # summarise? -> the stages calls go through

    def __repr__(self) -> str:
        c = self.config
        summary = c.summarise.model if c.summarise.method == "abstractive" else c.summarise.method
        return f"Briefer(translate={c.translate.model!r}, summarise={summary!r})"

    def __enter__(self) -> Briefer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the translation memory (it reopens if the Briefer is used again); the models
        stay loaded until the Briefer is garbage-collected."""
        if self._memory is not None:
            self._memory.close()

    @property
    def translator(self) -> Translator:
        """The translator of ``translate.*`` (built on first access: the model is looked up
        then; its tokenizer and weights load when first needed), without the memory in front.

        Raises:
            ModelError: the model cannot be found.
            ConfigError: ``translate.backend`` is unknown or cannot run here.
        """
        if self._translator is None:
            from .translate import build_translator

            self._translator = build_translator(self.config)
        return self._translator

    @property
    def summariser(self) -> Summariser:
        """The summariser ``summarise.method`` names (built on first access, as
        :attr:`translator`), without the memory in front."""
        if self._summariser is None:
            from .summarise import build_summariser

            self._summariser = build_summariser(self.config)
        return self._summariser

    def translate(self, texts: Iterable[str]) -> list[str]:
        """Translate French texts into English: one string out per string in, in order.

        Each text is cut as a run cuts an article body (paragraphs at blank lines, or at line
        ends that end a sentence when there is no blank line; sentences by the French
        splitter; a sentence over ``segment.max_tokens`` model tokens broken at clause
        punctuation, then at spaces), so a text of any length is translated whole, never
        truncated. The segments of all the texts are batched together, longest first.
        Segments without letters (``***``, ``12 %``) and, with ``segment.keep_english``,
        English sentences are kept as they are; the translation memory answers what it has
        seen when ``cache.enabled``. Control and bidi characters are removed first, as the
        readers do. The whole-text language check of a run (``input.check_language``) is not
        applied: every text is translated.

        Args:
            texts: French texts (a list or any iterable of ``str``, not one ``str``).

        Returns:
            One English text per input, paragraphs separated by a blank line (``"\\n\\n"``);
            an empty or whitespace-only text gives ``""`` without a model call.

        Raises:
            TypeError: ``texts`` is a ``str``, ``bytes`` or None, or an item is not a ``str``
                (the message names its index).
            ModelError: the model cannot be found or loaded.
            ConfigError: the backend cannot run here, or the memory file cannot be used.
            PipelineError: the model failed on a text (the message names its index).
        """
        return [_joined(pairs) for pairs in self.translate_segments(texts)]

    def translate_segments(self, texts: Iterable[str]) -> list[list[TranslatedSegment]]:
        """Translate as :meth:`translate` does, keeping the segments each text was cut into.

        Args:
            texts: French texts, as for :meth:`translate`.

        Returns:
            Per input text, its segments in order, each a
            :class:`~pipeline.records.TranslatedSegment`: ``segment.source`` (the French
            sentence or piece), ``segment.paragraph`` (from 0), ``segment.sentence``,
            ``segment.piece`` (0 unless the sentence was broken) and ``translation``; an
            empty list for an empty text.

        Raises:
            As :meth:`translate`.
        """
        from .stages import start_work, translate_work, translated_segments

        articles = [_text_article(i, text, self.config.input.language)
                    for i, text in enumerate(_checked_texts(texts))]
        if not any(a.paragraphs for a in articles):
            return [[] for _ in articles]  # nothing to translate: no model is needed
        stages = self._stages_for(summarise=False)
        work = start_work(list(enumerate(articles)), stages)
        translate_work(work, stages.translator, keep_english=stages.keep_english)
        for i, w in enumerate(work):
            if w.error is not None:
                raise PipelineError(f"texts[{i}]: {w.error}")
        return [translated_segments(w) for w in work]

    def brief(self, text: str, title: str | None = None, *, article_id: str = "article",
              reference: str | None = None, reference_summary: str | None = None
              ) -> ArticleResult:
        """Brief one French article: translate it, summarise the English, check and score it,
        as a run does for each article (nothing is written to disk but the memory).

        Args:
            text: The article. Without ``title``, its first line is the title when it is
                short (at most 200 characters) and either a blank line follows it or it does
                not end with a full stop, as the ``.txt`` reader decides; the rest is the body.
            title: The title, when given apart (``text`` is then all body; ``""``: none).
            article_id: The id recorded in the result and its segments.
            reference: An English reference translation: BLEU, chrF++ and TER are scored.
            reference_summary: An English reference summary: ROUGE is scored.

        Returns:
            The :class:`~pipeline.records.ArticleResult` a run stores: ``status`` (``ok``, or
            ``skipped`` with the reason in ``error`` when the text is not French and
            ``input.other_language`` is ``skip``), ``title`` (English), ``translation``
            (paragraphs separated by ``"\\n\\n"``), ``paragraphs``, ``summary``, ``segments``
            (each French segment with its translation), ``verdict`` (``ok``/``review``) with
            ``reasons``, ``flags`` (names) and ``issues`` (each flag with its segment and
            evidence), ``scores`` (``segments``, ``splits``, ``length-ratio``; BLEU, chrF++,
            TER, ROUGE with references) and ``stats`` (counts, characters, kept segments,
            language). :func:`pipeline.briefs.render_brief` turns it into the Markdown brief.

        Raises:
            TypeError: ``text`` is not a ``str``, or ``title``, ``reference`` or
                ``reference_summary`` is neither a ``str`` nor None.
            ValueError: ``text`` has no visible character.
            InputError: the article is longer than ``input.max_chars`` characters.
            ModelError: a model cannot be found or loaded.
            ConfigError: a backend cannot run here, or the memory file cannot be used.
            PipelineError: a stage failed on the article (``input.other_language: fail``
                and a text that is not French included); the message gives the reason.
        """
        from .stages import process_chunk

        article = self._article(text, title, article_id, reference, reference_summary)
        [result] = process_chunk([(0, article)], self._stages_for(summarise=True))
        if result.status == "failed":
            raise PipelineError(f"{article_id}: {result.error}")
        return result

    def run(self, overrides: Mapping[str, Any] | None = None, *, overwrite: bool = False,
            progress: bool = False) -> RunOutcome:
        """Run the config as ``python run.py --config ...`` does: read ``input.path``, brief
        every article, write everything under ``output.dir`` (``pipeline.sqlite``,
        ``results.jsonl``, ``briefs/``, ``report.html``, ``config.resolved.yaml``, test-set
        files); the same call on the same ``output.dir`` resumes an interrupted run.

        The Briefer's models are reused (with ``run.executor: local`` and the same
        ``translate.*`` and ``summarise.*`` settings; otherwise the run builds its own).

        Args:
            overrides: ``{"section.key": value}`` for this run only (e.g. another
                ``input.path`` and ``output.dir``).
            overwrite: Start a new run in an ``output.dir`` that holds another run (its files
                move to ``superseded/``), as ``--overwrite``.
            progress: Show progress on stderr as the command line does (default: nothing is
                printed).

        Returns:
            The run's :class:`~pipeline.runner.RunOutcome`: ``name``, ``out_dir``, ``counts``
            (``articles``, ``ok``, ``failed``, ``skipped``, ``resumed``), ``failed``,
            ``exit_code`` (0 every article done, 1 one or more failed, as the command line's),
            the first briefs and failures (``results.jsonl`` lines), ``corpus_scores``,
            ``timings`` (seconds per stage), ``notes``.

        Raises:
            ConfigError: a bad override; ``input.path`` matches nothing; ``output.dir`` is in
                use or holds another run (pass ``overwrite=True``); ``output.dir`` or
                ``cache.path`` cannot be written.
            ModelError: a model is missing (before any article is processed).
            Interrupted: Ctrl-C (``KeyboardInterrupt``); what was committed stays, and the
                same call resumes it.
        """
        from .progress import make_progress
        from .runner import run

        config = make_config(self.config, overrides)
        local = config.run.executor == "local"
        same = {s: local and getattr(config, s) == getattr(self.config, s)
                and config.run.models_dir == self.config.run.models_dir
                for s in _MODEL_SECTIONS}
        return run(config, translator=self.translator if same["translate"] else None,
                   summariser=self.summariser if same["summarise"] else None,
                   progress=make_progress(quiet=not progress), overwrite=overwrite)

    def _stages_for(self, summarise: bool) -> Stages:
        """The stages :meth:`translate` (no summariser, no whole-text language check) or
        :meth:`brief` (as a run) go through, built once, behind one translation memory."""
        if summarise not in self._stages:
            from .stages import stages_from_config
            from .summarise import NoSummariser

            translator = self._remembered(self.translator)
            summariser = self._remembered(self.summariser) if summarise else NoSummariser()
            # a brief goes as a run has it (a triage brief too); a list is translated whole
            plain = {} if summarise else {"fidelity": False, "check_language": False,
                                          "scope": "full"}
            self._stages[summarise] = stages_from_config(self.config, translator, summariser,
                                                         **plain)
        return self._stages[summarise]

    def _remembered(self, model: Any) -> Any:
        """``model`` behind the translation memory when ``cache.enabled`` (as a run has it)."""
        if not self.config.cache.enabled or model.cache_key() is None:
            return model
        from .memory import CachedSummariser, CachedTranslator, Memory

        if self._memory is None:
            self._memory = Memory(self.config.cache.path)
        wrapper = CachedTranslator if hasattr(model, "translate") else CachedSummariser
        return wrapper(model, self._memory)

    def _article(self, text: Any, title: Any, article_id: Any, reference: Any,
                 reference_summary: Any) -> Article:
        """The :class:`Article` a ``.txt`` reader would make of ``text``."""
        from .reading import _VISIBLE, clean_text, split_body, split_title_body

        if not isinstance(text, str):
            raise TypeError(f"text: expected the article as a str, got {type(text).__name__}")
        for name, value in (("title", title), ("reference", reference),
                            ("reference_summary", reference_summary), ("article_id", article_id)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name}: expected a str or None, got {type(value).__name__}")
        cleaned, removed = clean_text(text)
        if title is None:
            title, paragraphs = split_title_body(cleaned) if cleaned.strip() else ("", ())
        else:
            title, paragraphs = " ".join(clean_text(title)[0].split()), split_body(cleaned)
        if not _VISIBLE.search("\n".join([title, *paragraphs])):
            raise ValueError("text: no visible character; expected a French article")
        size = len("\n".join([title, *paragraphs]))
        if size > self.config.input.max_chars:
            raise InputError(f"{article_id}: {size:,} characters, more than the limit of "
                             f"{self.config.input.max_chars:,} (input.max_chars); split the "
                             "article or raise the limit (articles are never truncated)")
        return Article(id=article_id or "article", title=title, paragraphs=paragraphs,
                       source="<string>", language=self.config.input.language,
                       reference=reference or None, reference_summary=reference_summary or None,
                       reading={"removed_characters": removed} if removed else {})


def _checked_texts(texts: Any) -> list[str]:
    """``texts`` as a list, every item a ``str``; a clear TypeError naming what is wrong."""
    if texts is None or isinstance(texts, (str, bytes)):
        what = "None" if texts is None else type(texts).__name__
        raise TypeError(f"texts: expected a list of str, got {what}; to translate one text, "
                        "pass [text]")
    if not isinstance(texts, Iterable):
        raise TypeError(f"texts: expected a list of str, got {type(texts).__name__}")
    items = list(texts)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            hint = " (decode bytes first)" if isinstance(item, bytes) else ""
            raise TypeError(f"texts[{i}]: expected a str, got {type(item).__name__}{hint}")
    return items


def _text_article(index: int, text: str, language: str) -> Article:
    """One text of :meth:`Briefer.translate` as an article: all body, no title."""
    from .reading import clean_text, split_body

    cleaned = clean_text(text)[0]
    paragraphs = split_body(cleaned) if cleaned.strip() else ()
    return Article(id=f"texts[{index}]", title="", paragraphs=paragraphs,
                   source=f"texts[{index}]", language=language)


def _joined(pairs: list[TranslatedSegment]) -> str:
    """The English of one text, paragraphs separated by blank lines (as a brief has them)."""
    return ArticleResult("", "", "ok", segments=tuple(pairs)).translation
