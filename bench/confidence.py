"""What the model's confidence (mean token log-probability per translation) costs.

    python bench/confidence.py [--n 48] [--beams 4] [--batch 16] [--threads 2] [--repeats 3]

Translates the first N French segments of newstest2013 with a random-weight model of
opus-mt-fr-en's size that never ends a sentence (``fullsize.py``: every sentence runs to its
output bound, as the real model's compute per token), on the transformers backend, with and
without the scores, alternating, each ``--repeats`` times; prints the median seconds of each,
their ratio, and the peak resident memory of a process doing only one or the other. The scores
come from one teacher-forced decoder pass over each batch's outputs on the encoder states the
search used (:func:`pipeline.hf.mean_logprobs`), its logits held in row groups of at most
``pipeline.hf.RESCORE_BYTES``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from fullsize import SOURCE_SGM, build_fullsize_marian, read_segments

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))


def translator(model: Path, beams: int, batch: int, threads: int):
    from pipeline.config import Config
    from pipeline.engines import build_engine
    from pipeline.translate import ModelTranslator

    config = Config.model_validate({"translate": {
        "device": "cpu", "threads": threads, "num_beams": beams, "batch_size": batch,
        "dtype": "float32"}})
    return ModelTranslator(build_engine(config, "translate", model, backend="transformers"),
                           config.translate)


def one(args: argparse.Namespace, scored: bool) -> None:
    """In a child process: one mode once, then print its peak resident memory (MiB)."""
    import resource

    segments = read_segments(SOURCE_SGM)[:args.n]
    model = translator(build_fullsize_marian(), args.beams, args.batch, args.threads)
    (model.translate_scored if scored else model.translate)(segments)
    print(json.dumps({"peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def processor() -> str:
    """The CPU's model name (Linux), else what platform says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=48, help="segments")
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-child", choices=("plain", "scored"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        one(args, args.memory_child == "scored")
        return
    segments = read_segments(SOURCE_SGM)[:args.n]
    model = translator(build_fullsize_marian(), args.beams, args.batch, args.threads)
    model.translate(segments[:2])  # weights loaded, caches warm
    times: dict[str, list[float]] = {"plain": [], "scored": []}
    for _ in range(args.repeats):
        for mode in ("plain", "scored"):
            start = time.perf_counter()
            out = (model.translate_scored if mode == "scored" else model.translate)(segments)
            times[mode].append(time.perf_counter() - start)
            if mode == "scored":
                scores = [s for _, s in out]
    peaks = {}
    for mode in ("plain", "scored"):
        child = subprocess.run([sys.executable, __file__, "--memory-child", mode,
                                *sys.argv[1:]], capture_output=True, text=True, check=True)
        peaks[mode] = json.loads(child.stdout.strip().splitlines()[-1])["peak_mib"]
    plain, scored = (statistics.median(times[m]) for m in ("plain", "scored"))
    print(f"processor: {processor()}; {args.n} segments, "
          f"beam {args.beams}, batch {args.batch}, {args.threads} threads, "
          f"{args.repeats} repeats")
    print(f"translate          median {plain:7.2f} s  peak RSS {peaks['plain']:7.0f} MiB")
    print(f"translate + scores median {scored:7.2f} s  peak RSS {peaks['scored']:7.0f} MiB")
    print(f"ratio scored/plain {scored / plain:.3f}; scores: min {min(scores):.3f}, "
          f"max {max(scores):.3f}")


if __name__ == "__main__":
    main()
