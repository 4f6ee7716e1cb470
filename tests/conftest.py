"""Test set-up: offline by construction, tiny models built once per session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Set before transformers / huggingface_hub are imported anywhere: no test may reach the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
SHARED_DATA = ROOT.parent / "shared" / "data"
EXAMPLE = ROOT / "examples" / "lutte-anti-aqmi.fr.txt"


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny random-weight Marian (fr-en) and BART models with real tokenizers."""
    from tiny_models import build_bart, build_marian

    base = tmp_path_factory.mktemp("tiny-models")
    return {"marian": build_marian(base / "marian"), "bart": build_bart(base / "bart")}


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real data folder (WMT, UD treebank); skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
