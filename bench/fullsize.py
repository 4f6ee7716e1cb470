"""Random-weight models with the real models' sizes, for speed and memory benchmarks.

    python bench/fullsize.py [marian|bart|all]

``build_fullsize_marian`` matches Helsinki-NLP/opus-mt-fr-en and ``build_fullsize_bart`` matches
sshleifer/distilbart-cnn-12-6: same layer counts, widths, heads and vocabulary sizes, so every
matrix multiply costs what it costs with the real weights. The tokenizers are real
(SentencePiece / byte-level BPE trained on newstest2013), their vocabularies padded with dummy
pieces up to the real size.

The weights never let the model end a sentence: the end-of-sentence row of ``final_logits_bias``
is -1e9. That bias is a buffer saved with the weights, so every engine that loads them (a
CTranslate2 conversion included) runs every sentence to its length limit, and the number of
tokens generated is known in advance: ``sum(per-sentence bound)``. Dummy pieces and padding get
the same bias, so the output is made of real target pieces (gibberish, but text).
Built models are cached under ``bench/.models/``.
"""

from __future__ import annotations

import html
import io
import json
import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
MODELS = BENCH / ".models"
DATA = BENCH.parents[1] / "shared" / "data" / "wmt-newstest2013-fren"
SOURCE_SGM = DATA / "newstest2013-src.fr.sgm"
REFERENCE_SGM = DATA / "newstest2013-ref.en.sgm"
NEVER = -1e9  # a logit bias no score can overcome

MARIAN_VOCAB = 59514  # opus-mt-fr-en
BART_VOCAB = 50264  # distilbart-cnn-12-6


def read_segments(path: Path) -> list[str]:
    """The text of every ``<seg>`` of an SGML test-set file, in file order."""
    text = path.read_text(encoding="utf-8")
    return [html.unescape(s).strip() for s in re.findall(r"<seg[^>]*>(.*?)</seg>", text, re.S)]


def read_documents(path: Path) -> list[tuple[str, list[str]]]:
    """``(docid, segments)`` for every ``<doc>`` of an SGML test-set file."""
    text = path.read_text(encoding="utf-8")
    docs = re.findall(r'<doc[^>]*docid="([^"]*)"[^>]*>(.*?)</doc>', text, re.S)
    return [(docid, [html.unescape(s).strip()
                     for s in re.findall(r"<seg[^>]*>(.*?)</seg>", body, re.S)])
            for docid, body in docs]


def _train_spm(lines: list[str], path: Path, vocab_size: int) -> list[str]:
    """Train a unigram SentencePiece model on ``lines``; return its pieces."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, vocab_size=vocab_size,
        model_type="unigram", character_coverage=1.0, hard_vocab_limit=False,
        bos_id=-1, eos_id=-1, minloglevel=2)
    path.write_bytes(model.getvalue())
    processor = spm.SentencePieceProcessor(model_file=str(path))
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def _marian_vocab(out: Path, size: int) -> tuple[dict[str, int], int]:
    """Source/target SentencePiece models and a joint vocab.json of exactly ``size`` entries.

    Returns the vocab and the number of real (non-dummy) entries; ``<pad>`` is the last id.
    """
    source = _train_spm(read_segments(SOURCE_SGM), out / "source.spm", 8000)
    target = _train_spm(read_segments(REFERENCE_SGM), out / "target.spm", 8000)
    pieces = ["</s>", "<unk>"]
    seen = set(pieces) | {"<s>", "<pad>"}
    for piece in source + target:
        if piece not in seen:
            pieces.append(piece)
            seen.add(piece)
    real = len(pieces)
    pieces += [f"<dummy_{i}>" for i in range(size - 1 - real)]
    pieces.append("<pad>")
    vocab = {piece: i for i, piece in enumerate(pieces)}
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    return vocab, real


def build_fullsize_marian(out: Path = MODELS / "opus-mt-fr-en-random") -> Path:
    """Save (once) a random MarianMT with opus-mt-fr-en's sizes that never emits EOS."""
    if (out / "model.safetensors").is_file():
        return out
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True, exist_ok=True)
    vocab, real = _marian_vocab(out, MARIAN_VOCAB)
    pad = vocab["<pad>"]
    config = MarianConfig(
        vocab_size=MARIAN_VOCAB, d_model=512, encoder_layers=6, decoder_layers=6,
        encoder_attention_heads=8, decoder_attention_heads=8, encoder_ffn_dim=2048,
        decoder_ffn_dim=2048, max_position_embeddings=512, activation_function="swish",
        scale_embedding=True, share_encoder_decoder_embeddings=True, pad_token_id=pad,
        eos_token_id=0, decoder_start_token_id=pad, forced_eos_token_id=0)
    torch.manual_seed(0)
    model = MarianMTModel(config).eval()
    _never(model, [0, pad, *range(real, pad)])
    _opus_generation_config(model.generation_config, pad)
    model.save_pretrained(out)
    MarianTokenizer(source_spm=str(out / "source.spm"), target_spm=str(out / "target.spm"),
                    vocab=str(out / "vocab.json"), source_lang="fr",
                    target_lang="en").save_pretrained(out)
    check_never_ends(out)
    return out


def _opus_generation_config(gen, pad: int) -> None:
    """What opus-mt-fr-en's generation_config.json says."""
    gen.bad_words_ids = [[pad]]
    gen.num_beams = 4
    gen.max_length = 512
    gen.forced_eos_token_id = 0
    gen.renormalize_logits = True


def _never(model, ids: list[int]) -> None:
    """Make ``ids`` unreachable through the saved ``final_logits_bias`` buffer."""
    import torch

    with torch.no_grad():
        model.final_logits_bias[0, ids] = NEVER


def build_fullsize_bart(out: Path = MODELS / "distilbart-cnn-12-6-random") -> Path:
    """Save (once) a random BART with distilbart-cnn-12-6's sizes that never emits EOS."""
    if (out / "model.safetensors").is_file():
        return out
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    out.mkdir(parents=True, exist_ok=True)
    real = _bart_vocab(out, BART_VOCAB)
    config = BartConfig(
        vocab_size=BART_VOCAB, d_model=1024, encoder_layers=12, decoder_layers=6,
        encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=4096,
        decoder_ffn_dim=4096, max_position_embeddings=1024, pad_token_id=1, bos_token_id=0,
        eos_token_id=2, decoder_start_token_id=2, forced_bos_token_id=0, forced_eos_token_id=2)
    torch.manual_seed(0)
    model = BartForConditionalGeneration(config).eval()
    _never(model, [1, 2, *range(real, BART_VOCAB)])
    gen = model.generation_config  # what distilbart-cnn-12-6's config says
    gen.num_beams, gen.max_length, gen.min_length, gen.forced_bos_token_id = 4, 142, 56, 0
    gen.length_penalty, gen.no_repeat_ngram_size, gen.early_stopping = 2.0, 3, True
    model.save_pretrained(out)
    tokenizer = BartTokenizer(vocab=str(out / "vocab.json"), merges=str(out / "merges.txt"))
    tokenizer.save_pretrained(out)
    check_never_ends(out, max_new_tokens=12)
    return out


def _bart_vocab(out: Path, size: int) -> int:
    """A byte-level BPE on the English side, vocab.json padded to ``size``; real entry count."""
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(read_segments(REFERENCE_SGM), vocab_size=8000, min_frequency=2,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>"], show_progress=False)
    bpe.save_model(str(out))
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    real = len(vocab)
    for i in range(size - 1 - real):
        vocab[f"<dummy_{i}>"] = real + i
    vocab["<mask>"] = size - 1
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    return real


def check_never_ends(path: Path, max_new_tokens: int = 20) -> None:
    """Reload ``path`` and check that generation runs to the length limit on every input.

    Raises:
        RuntimeError: an output stopped early, or the bias did not survive saving.
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSeq2SeqLM.from_pretrained(path).eval()
    eos = model.config.eos_token_id
    if float(model.final_logits_bias[0, eos]) > NEVER / 2:
        raise RuntimeError(f"{path}: final_logits_bias was not saved with the weights")
    encoded = tokenizer(["Bonjour à tous.", "Le gouvernement a annoncé hier une réforme."],
                        return_tensors="pt", padding=True)
    with torch.inference_mode():
        out = model.generate(**encoded, num_beams=2, max_length=max_new_tokens + 1,
                             forced_eos_token_id=None, min_length=0)
    body = out[:, 1:]
    if body.shape[1] != max_new_tokens or bool((body == eos).any()):
        raise RuntimeError(f"{path}: generation stopped early: {out.tolist()}")


def main(argv: list[str]) -> int:
    """Build the models named on the command line (default: both) and print where they are."""
    which = argv[0] if argv else "all"
    if which in ("marian", "all"):
        print(build_fullsize_marian())
    if which in ("bart", "all"):
        print(build_fullsize_bart())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
