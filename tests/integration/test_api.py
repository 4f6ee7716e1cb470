"""The Python API (pipeline.api.Briefer) on tiny random-weight models loaded through
from_pretrained: translate a list, brief a string, run a config, and the README's example."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from pipeline import Briefer, ConfigError, InputError, ModelError
from pipeline.segment import split_paragraphs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "lutte-anti-aqmi.fr.txt"
DEFAULT = ROOT / "configs" / "default.yaml"
INVISIBLE = re.compile(r"[\s\u200b\u2060\ufeff]")


def tiny_overrides(tiny_models: dict[str, Path], tmp: Path, **more: object) -> dict[str, object]:
    return {"translate.model": str(tiny_models["marian"]),
            "summarise.model": str(tiny_models["bart"]),
            "cache.path": str(tmp / "memory.sqlite"),
            # tiny matrices gain nothing from threads, and lose much when cores are shared
            "translate.threads": 1, "summarise.threads": 1, **more}


@pytest.fixture(scope="module")
def briefer(tiny_models, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api")
    # short outputs: these tests are about segmenting, order and records, not the model's words
    with Briefer(DEFAULT, tiny_overrides(tiny_models, tmp, **{
            "translate.max_length_ratio": 0.25, "translate.max_length_offset": 2})) as made:
        yield made


def visible(text: str) -> str:
    return INVISIBLE.sub("", text)


def example_body() -> list[str]:
    return split_paragraphs(EXAMPLE.read_text("utf-8").split("\n", 1)[1])


def test_translate_is_one_to_one_in_order_with_empty_strings(briefer):
    texts = ["Le Sénat a voté la loi mardi.", "", "   \n ",
             "Des militaires algériens sont au Mali.\n\nIls aident l’armée malienne.", "***"]
    english = briefer.translate(texts)
    assert len(english) == len(texts) and all(isinstance(e, str) for e in english)
    assert english[1] == "" and english[2] == ""
    assert english[0].strip() and english[3].strip()
    assert len(english[3].split("\n\n")) == 2  # paragraphs survive
    assert english[4] == "***"  # no letters: kept as it is, never sent to the model
    # each output is made of the segments of its own input, in order
    per_text = briefer.translate_segments(texts)
    assert [visible("".join(p.segment.source for p in pairs)) for pairs in per_text] == [
        visible(t) for t in texts]
    assert [p.segment.paragraph for p in per_text[3]] == [0, 1]
    assert briefer.translate(texts) == english  # deterministic
    assert briefer.translate(t for t in texts) == english  # any iterable of str


def test_a_5000_token_paragraph_is_segmented_and_translated_whole(briefer):
    body = example_body()
    # one sentence of about 1,300 tokens (commas only, no full stop), then whole sentences
    clause = " ".join(p.replace(".", ",") for p in body)
    paragraph = " ".join([clause, *body * 3])
    tokens = briefer.translator.count_tokens(paragraph)
    assert tokens >= 5000 and briefer.translator.count_tokens(clause) > 1000
    [english] = briefer.translate([paragraph])
    assert english.strip() and "\n\n" not in english  # one paragraph in, one out
    [pairs] = briefer.translate_segments([paragraph])
    budget = briefer.config.segment.max_tokens
    assert all(briefer.translator.count_tokens(p.segment.source) <= budget for p in pairs)
    assert any(p.segment.piece > 0 for p in pairs)  # the long sentence was broken, not cut
    assert visible("".join(p.segment.source for p in pairs)) == visible(paragraph)
    assert " ".join(p.translation for p in pairs if p.translation) == english


def test_models_load_once_across_calls(tiny_models, tmp_path, monkeypatch):
    import transformers

    original = transformers.AutoModelForSeq2SeqLM.from_pretrained
    loads: list[str] = []

    def counting(path, *args, **kwargs):
        loads.append(Path(path).name)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForSeq2SeqLM, "from_pretrained", counting)
    briefer = Briefer(DEFAULT, tiny_overrides(tiny_models, tmp_path, **{
        "cache.enabled": False, "input.path": str(EXAMPLE), "output.dir": str(tmp_path / "run")}))
    assert loads == []  # the constructor loads nothing
    briefer.translate(["Le Sénat a voté la loi."])
    engine = briefer.translator.engine
    model = engine.model
    briefer.translate(["Des militaires algériens sont au Mali.", "Bonjour à tous."])
    briefer.brief(EXAMPLE.read_text("utf-8"))
    summariser_model = briefer.summariser.engine.model
    before = briefer.translator.model_seconds + briefer.summariser.model_seconds
    outcome = briefer.run()
    after = briefer.translator.model_seconds + briefer.summariser.model_seconds
    assert outcome.exit_code == 0
    assert briefer.translator.engine is engine and engine.model is model
    assert briefer.summariser.engine.model is summariser_model
    assert sorted(loads) == ["bart", "marian"]  # each model loaded once for all five calls
    # the run counts only its own time inside the models, not the earlier calls'
    assert before > 0 and outcome.timings["model calls"] == pytest.approx(after - before)


def test_brief_of_a_string(briefer):
    text = EXAMPLE.read_text("utf-8")
    result = briefer.brief(text)
    assert result.status == "ok" and result.error is None
    assert result.article.title == text.split("\n", 1)[0].strip()  # first line: the title
    assert result.title.strip() and result.summary.strip()
    assert len(result.paragraphs) == len(example_body())
    assert result.translation == "\n\n".join(result.paragraphs)
    assert result.verdict in ("ok", "review")
    assert result.flags == tuple(sorted({f.name for f in result.issues}))
    assert result.stats["segments"] == len(result.segments)
    assert {s.metric for s in result.scores} >= {"segments", "splits", "length-ratio"}
    # the title given apart: the whole text is body
    apart = briefer.brief("Le Sénat a voté la loi mardi.\n\nLe texte sera publié.",
                          title="Vote au Sénat", article_id="senat",
                          reference="The Senate passed the law on Tuesday. It will be "
                                    "published.")
    assert apart.article_id == "senat" and apart.article.title == "Vote au Sénat"
    assert len(apart.paragraphs) == 2
    assert {"BLEU", "chrF++", "TER"} <= {s.metric for s in apart.scores}


def test_brief_of_an_english_text_is_skipped_with_its_reason(briefer, tiny_models):
    from tiny_models import ENGLISH

    result = briefer.brief("Algerian troops in Mali\n\n" + ENGLISH)
    assert result.status == "skipped" and "not French" in result.error
    assert result.summary == "" and result.segments == ()


def test_run_writes_the_outputs(briefer, tmp_path):
    out = tmp_path / "run"
    outcome = briefer.run({"input.path": str(EXAMPLE), "output.dir": str(out)})
    assert outcome.exit_code == 0 and outcome.failed == 0
    assert outcome.counts["ok"] == 1 and outcome.out_dir == out
    for name in ("pipeline.sqlite", "results.jsonl", "config.resolved.yaml", "report.html",
                 "briefs/lutte-anti-aqmi.fr.md"):
        assert (out / name).is_file(), name
    [line] = [json.loads(x) for x in (out / "results.jsonl").read_text("utf-8").splitlines()]
    brief = briefer.brief(EXAMPLE.read_text("utf-8"))
    assert (line["title"], line["translation"]) == (brief.title, brief.translation)
    # the same call resumes: nothing is done again
    again = briefer.run({"input.path": str(EXAMPLE), "output.dir": str(out)})
    assert again.counts["resumed"] == 1 and again.exit_code == 0


def test_bad_input_is_named(briefer):
    with pytest.raises(TypeError, match="list of str, got None"):
        briefer.translate(None)
    with pytest.raises(TypeError, match=r"pass \[text\]"):
        briefer.translate("Bonjour.")
    with pytest.raises(TypeError, match=r"texts\[2\]: expected a str, got int"):
        briefer.translate(["Bonjour.", "", 3])
    with pytest.raises(TypeError, match=r"texts\[0\].*decode"):
        briefer.translate([b"Bonjour."])
    with pytest.raises(TypeError, match="text: expected"):
        briefer.brief(None)
    with pytest.raises(TypeError, match="title"):
        briefer.brief("Bonjour.", title=3)
    with pytest.raises(ValueError, match="no visible character"):
        briefer.brief(" \n\u200b ")


def test_errors_are_the_projects(tiny_models, tmp_path):
    with pytest.raises(ConfigError, match="translate.num_beams"):
        Briefer(DEFAULT, {"translate.num_beams": 0})
    with pytest.raises(ConfigError, match=r"overrides\['translate.beams'\]: unknown key "
                       r"translate.beams \(did you mean translate.num_beams\?\)"):
        Briefer({"translate.beams": 4})
    with pytest.raises(ConfigError, match="config file not found"):
        Briefer(tmp_path / "missing.yaml")
    small = Briefer(tiny_overrides(tiny_models, tmp_path, **{"input.max_chars": 100}))
    with pytest.raises(InputError, match="input.max_chars"):
        small.brief("Titre\n\n" + "Une phrase assez longue. " * 10)
    missing = Briefer({"translate.model": str(tmp_path / "no-model"), "cache.enabled": False})
    assert missing.translate(["", " "]) == ["", ""]  # nothing to translate: no model needed
    with pytest.raises(ModelError, match="translate.model"):
        missing.translate(["Bonjour."])


def test_config_forms_agree(tiny_models, tmp_path):
    from pipeline import Config, load_config

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"translate": {"num_beams": 2}}), "utf-8")
    from_file = Briefer(path, {"summarise.method": "extractive"}).config
    from_dict = Briefer({"translate.num_beams": 2, "summarise": {"method": "extractive"}}).config
    given = load_config(path, ["summarise.method=extractive"])
    from_config = Briefer(given).config
    assert from_file == from_dict == from_config == given
    assert from_config is not given and isinstance(from_config, Config)


def readme_example() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("\n## Python API", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_readme_example_runs_as_written(tiny_models, tmp_path, monkeypatch, capsys):
    """The README's lines, unchanged, in a folder whose configs/default.yaml names the tiny
    models (the real one names the Hub's)."""
    (tmp_path / "configs").mkdir()
    (tmp_path / "examples").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "examples" / EXAMPLE.name)
    config = yaml.safe_load(DEFAULT.read_text("utf-8"))
    config["translate"].update(model=str(tiny_models["marian"]), threads=1)
    config["summarise"].update(model=str(tiny_models["bart"]), threads=1)
    (tmp_path / "configs" / "default.yaml").write_text(yaml.safe_dump(config), "utf-8")
    monkeypatch.chdir(tmp_path)
    code = readme_example()
    assert "Briefer(" in code and ".translate(" in code and ".brief(" in code
    assert ".run(" in code
    scope: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - the README's own lines
    outcome = scope["outcome"]
    assert outcome.exit_code == 0 and outcome.counts["ok"] == 1
    assert (Path(outcome.out_dir) / "results.jsonl").is_file()
    assert (Path(outcome.out_dir) / "briefs" / "lutte-anti-aqmi.fr.md").is_file()
    assert capsys.readouterr().out.strip()


def test_the_translation_memory_answers_a_second_briefer(tiny_models, tmp_path):
    texts = ["Le Sénat a voté la loi mardi.", "Des militaires algériens sont au Mali."]
    first = Briefer(tiny_overrides(tiny_models, tmp_path))
    english = first.translate(texts)
    first.close()
    with Briefer(tiny_overrides(tiny_models, tmp_path)) as second:
        assert second.translate(texts) == english
        assert second.translator.engine._model is None  # every segment came from the memory


def test_importing_pipeline_loads_nothing():
    import subprocess
    import sys

    code = ("import sys, pipeline\nprint(sorted(m for m in ('torch', 'transformers', 'pydantic',"
            " 'pipeline.api', 'pipeline.config') if m in sys.modules))\n"
            "from pipeline import Briefer\nprint(Briefer.__module__)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.split("\n")[:2] == ["[]", "pipeline.api"]


def test_brief_follows_the_triage_scope(tiny_models, tmp_path):
    """With translate.scope brief, brief() makes a triage brief, as a run does."""
    briefer = Briefer(tiny_overrides(tiny_models, tmp_path, **{
        "summarise.method": "extractive", "translate.scope": "brief",
        "summarise.sentences": 1}))
    result = briefer.brief(EXAMPLE.read_text("utf-8"))
    assert result.stats["scope"] == "brief"
    assert result.stats["summary_sentences"] == 1 < result.stats["source_sentences"]
    assert len(result.segments) == 2  # the title and the one summary sentence
    assert briefer.translate(["Bonjour. Le Mali est grand."])[0]  # a list: translated whole
