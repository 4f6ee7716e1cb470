"""Build tiny random-weight Marian (fr-en) and BART models with real tokenizers.

The models are saved with ``save_pretrained`` so that tests load them through the very
``from_pretrained`` code path used for the real Hugging Face models. Building both takes a
few seconds and about a megabyte of disk.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lutte-anti-aqmi.fr.txt"

ENGLISH = """\
Algerian soldiers are in northern Mali to help the Malian army fight insecurity and terrorism.
A military source said the team of instructors has at least fifteen people, including officers.
Customs officers saw a convoy of vehicles leave the town of Kidal for Tessalit on Tuesday.
Mali, with other countries of the Sahel, faces growing insecurity linked to Al-Qaeda.
The group has multiplied attacks, kidnappings of Westerners and trafficking of all kinds.
In April 2010, Algeria, Mauritania, Niger and Mali created a joint operational staff committee.
The chiefs of the armies meet every six months without ever setting up joint patrols.
Algiers has long considered that Mali was the weak link in the fight against the group.
"""


def _corpus(language: str) -> list[str]:
    if language == "fr":
        text = EXAMPLE.read_text(encoding="utf-8")
    else:
        text = ENGLISH
    return [line for line in text.splitlines() if line.strip()]


def _train_spm(lines: list[str], path: Path, vocab_size: int) -> None:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        bos_id=-1,
        eos_id=-1,
        minloglevel=2,
    )
    path.write_bytes(model.getvalue())


def _spm_pieces(path: Path) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(path))
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def build_marian(out: Path, *, d_model: int = 32, layers: int = 2, heads: int = 2,
                 ffn: int = 64, seed: int = 0) -> Path:
    """Save a tiny random MarianMT fr->en model and its SentencePiece tokenizer in ``out``."""
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True, exist_ok=True)
    _train_spm(_corpus("fr"), out / "source.spm", vocab_size=300)
    _train_spm(_corpus("en"), out / "target.spm", vocab_size=250)
    pieces = ["</s>", "<unk>"]
    for piece in _spm_pieces(out / "source.spm") + _spm_pieces(out / "target.spm"):
        if piece not in pieces and piece not in ("<s>", "<pad>"):
            pieces.append(piece)
    pieces.append("<pad>")
    vocab = {piece: i for i, piece in enumerate(pieces)}
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"), target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"), source_lang="fr", target_lang="en",
    )
    pad = vocab["<pad>"]
    config = MarianConfig(
        vocab_size=len(vocab), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads,
        encoder_ffn_dim=ffn, decoder_ffn_dim=ffn, max_position_embeddings=512,
        pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad,
        forced_eos_token_id=0, scale_embedding=True, share_encoder_decoder_embeddings=True,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    model.generation_config.num_beams = 2
    model.generation_config.max_length = 128
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def build_bart(out: Path, *, d_model: int = 32, layers: int = 2, heads: int = 2,
               ffn: int = 64, seed: int = 0) -> Path:
    """Save a tiny random BART summariser with a byte-level BPE tokenizer in ``out``."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    out.mkdir(parents=True, exist_ok=True)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(_corpus("en") * 3, vocab_size=400, min_frequency=1,
                            special_tokens=specials, show_progress=False)
    bpe.save_model(str(out))
    tokenizer = BartTokenizer(vocab=str(out / "vocab.json"), merges=str(out / "merges.txt"))
    config = BartConfig(
        vocab_size=len(tokenizer), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads,
        encoder_ffn_dim=ffn, decoder_ffn_dim=ffn, max_position_embeddings=256,
        pad_token_id=1, bos_token_id=0, eos_token_id=2, decoder_start_token_id=2,
        forced_bos_token_id=0, forced_eos_token_id=2,
    )
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(config).eval()
    # Random weights pick byte tokens that decode to U+FFFD on their own; keep the output to
    # printable text so that summaries read (and re-tokenise) like text.
    model.generation_config.suppress_tokens = _unprintable(tokenizer)
    model.generation_config.num_beams = 2
    model.generation_config.max_length = 40
    model.generation_config.min_length = 5
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def _unprintable(tokenizer) -> list[int]:
    vocab = tokenizer.get_vocab()
    specials = set(tokenizer.all_special_ids)
    bad = []
    for token, index in vocab.items():
        text = tokenizer.convert_tokens_to_string([token])
        if index not in specials and ("\ufffd" in text or not text.strip().isprintable()):
            bad.append(index)
    return sorted(bad)
