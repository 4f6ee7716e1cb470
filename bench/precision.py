"""What the numeric precision changes: speed, and how far the outputs move from float32.

    python bench/precision.py [--n 40] [--beams 4] [--threads 2] [--json PATH]

Translates the first N newstest2013 segments with this project's translator at each precision
this machine offers: transformers float32 and bfloat16 (float16 too on CUDA), CTranslate2
float32 and int8. Prints the speed against transformers float32 (every precision decodes the same
bounds: the model never ends a sentence) and, against the transformers float32 output, the
share of identical translations and BLEU / chrF of each output taken as a hypothesis with the
float32 output as the reference (100 = no change).

The model is the random-weight model of opus-mt-fr-en's size (``fullsize.py``): its speed is
the real model's, but its output is not. Random weights give nearly flat next-token scores, so
rounding flips tokens far more often than in a trained model whose choices are clear: the
agreement figures here are a pessimistic bound, not a measurement of the real model's quality.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from fullsize import SOURCE_SGM, build_fullsize_marian, read_segments

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))


def variants() -> list[tuple[str, list[str]]]:
    """(label, config overrides) for every precision worth measuring on this machine."""
    import torch

    found = [("transformers float32", ["translate.dtype=float32"]),
             ("transformers bfloat16", ["translate.dtype=bfloat16"])]
    if torch.cuda.is_available():
        found.append(("transformers float16", ["translate.dtype=float16"]))
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return found
    ct2 = ["translate.backend=ctranslate2"]
    found += [("ctranslate2 float32", [*ct2, "translate.compute_type=float32"]),
              ("ctranslate2 int8", [*ct2, "translate.compute_type=int8"])]
    return found


def translate(model: Path, texts: list[str], overrides: list[str], args: argparse.Namespace
              ) -> tuple[list[str], float, str]:
    """Translate ``texts`` with one precision; return outputs, wall seconds and precision."""
    from pipeline.config import load_config
    from pipeline.translate import build_translator, translate_sorted

    device = "cuda" if "translate.dtype=float16" in overrides else args.device
    config = load_config(None, [f"translate.model={model}", f"translate.device={device}",
                                f"run.models_dir={BENCH / '.models'}",
                                f"translate.num_beams={args.beams}",
                                f"translate.threads={args.threads}", *overrides])
    translator = build_translator(config, model)
    translator.translate(texts[:1])  # load weights (and convert once) before the clock starts
    start = time.perf_counter()
    outputs = translate_sorted(translator, texts)
    return outputs, time.perf_counter() - start, translator.engine.precision


def main(argv: list[str] | None = None) -> int:
    """Run every precision; print the table and write the JSON."""
    import sacrebleu
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", type=Path, default=BENCH / "results" / "precision.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = build_fullsize_marian()
    texts = read_segments(SOURCE_SGM)[:args.n]
    results: dict[str, dict[str, Any]] = {}
    reference: list[str] | None = None
    for label, overrides in variants():
        print(f"running {label} ...", flush=True)
        outputs, wall, precision = translate(model, texts, overrides, args)
        reference = reference or outputs
        base = next(iter(results.values()), {"wall_s": wall})["wall_s"]
        results[label] = {
            "precision": precision, "wall_s": wall, "speed_vs_float32": base / wall,
            "identical": sum(a == b for a, b in zip(outputs, reference, strict=True)) / len(texts),
            "bleu_vs_float32": sacrebleu.corpus_bleu(outputs, [reference]).score,
            "chrf_vs_float32": sacrebleu.corpus_chrf(outputs, [reference]).score}
    table = Table(title=f"{len(texts)} segments, beam {args.beams}, {args.threads} threads")
    for column in ("", "computes in", "wall s", "x speed", "identical", "BLEU", "chrF"):
        table.add_column(column, justify="right")
    for label, r in results.items():
        table.add_row(label, r["precision"], f"{r['wall_s']:.1f}", f"{r['speed_vs_float32']:.2f}",
                      f"{100 * r['identical']:.0f}%", f"{r['bleu_vs_float32']:.1f}",
                      f"{r['chrf_vs_float32']:.1f}")
    console = Console(width=max(100, Console().width))
    console.print(table)
    console.print("identical / BLEU / chrF: against transformers float32's output (100 = same); "
                  "random weights make these a pessimistic bound (see the module docstring)",
                  markup=False)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"segments": len(texts), "beams": args.beams,
                                     "threads": args.threads, "results": results,
                                     "load_average": os.getloadavg()}, indent=2), "utf-8")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
