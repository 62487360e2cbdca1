"""The ``onnx-int8`` embedding backend: the packaged model run by onnxruntime, int8 weights.

The default backend where onnxruntime is installed (see ``qualcode.embed.DEFAULT_BACKEND``);
chosen explicitly with ``QUALCODE_EMBEDDING_BACKEND=onnx-int8`` or
``get_embedder(backend="onnx-int8")``, and ``torch`` selects sentence-transformers on torch.

Export. The first use exports the local sentence-transformers model (its transformer
module) to ONNX with torch's TorchScript exporter and quantises it dynamically with
onnxruntime (int8 weights, per output channel, MatMul nodes only; activations are
quantised on the fly). The result is written atomically to
``<cache>/onnx/<model name>@<fingerprint>-x<export version>/model_qint8.onnx``, where
``<cache>`` is ``QUALCODE_CACHE_DIR`` or ``~/.cache/qualcode``, and reused by every later
process. Nothing is downloaded.

Why not sentence-transformers' ``backend="onnx"``: that path needs ``optimum-onnx``, whose
only release pins ``transformers<4.58`` while sentence-transformers 6.2 needs
``transformers>=5``; installing it would downgrade transformers and break the torch path.
This module needs only ``onnx`` and ``onnxruntime``.

Inference reproduces the model's sentence-transformers pipeline for MiniLM-style models
(transformer -> mean pooling over the attention mask -> L2 normalisation); a model folder
whose ``modules.json``/pooling config says otherwise is refused rather than embedded wrongly.
Long texts are split exactly as :class:`qualcode.embed.Embedder` splits them.

Speed (measured side by side with torch in one run, docs/performance.md). Every piece is
tokenised once, without padding; pieces are sorted by their word-piece count and run in
batches of ``BATCH_SIZE`` padded only to the longest piece of the batch (dynamic padding),
and the vectors go back to the caller's order. Small batches are also closer to torch: the
int8 activations are quantised per batch, so a batch mixing lengths (or padded far) drifts
more (mean cosine to torch .987 at 16, .986 at 32, .986 at 64 on 1,000 AnnoMI turns).
onnxruntime's transformer optimiser finds no attention subgraph to fuse in this export (it
fuses SkipLayerNorm and BiasGelu, which the session's own ORT_ENABLE_ALL graph
optimisation already does), so the export is unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from .base import CHUNKING_VERSION, Embedder, model_fingerprint, model_name
from ..errors import ModelError, QualcodeError

__all__ = ["CACHE_ENV", "EXPORT_VERSION", "OnnxInt8Embedder", "cache_root", "export_int8", "onnx_folder", "supports"]

CACHE_ENV = "QUALCODE_CACHE_DIR"
# Bump when the export or quantisation settings change: a new folder (and model id) follows.
EXPORT_VERSION = 1
MODEL_FILE = "model_qint8.onnx"
# Chosen by measurement (1,000 AnnoMI turns, interleaved rounds against torch on two cores):
# 16 beat 32 and 64 in throughput and in cosine to torch.
BATCH_SIZE = 16
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "qualcode"


def onnx_folder(path: Path) -> Path:
    """Where the int8 export of the model folder ``path`` lives (or will)."""
    return cache_root() / "onnx" / f"{model_name(path)}@{model_fingerprint(path)}-x{EXPORT_VERSION}"


def supports(path: Path) -> bool:
    """Whether this backend reproduces the model in ``path`` (used to pick the default)."""
    try:
        _check_pipeline(path)
    except (QualcodeError, OSError, ValueError):
        return False
    return True


def _check_pipeline(path: Path) -> None:
    modules = path / "modules.json"
    if not modules.is_file():
        raise ModelError(f"onnx-int8 backend: {path} has no modules.json (not a sentence-transformers folder)")
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in json.loads(modules.read_text(encoding="utf-8"))]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k not in {"Transformer", "Pooling", "Normalize"} for k in kinds):
        raise ModelError(f"onnx-int8 backend supports Transformer+Pooling(+Normalize) models, not {kinds}")
    pooling = next(path.glob("*Pooling/config.json"), None)
    if pooling is not None:
        cfg = json.loads(pooling.read_text(encoding="utf-8"))
        mode = cfg.get("pooling_mode") or ("mean" if cfg.get("pooling_mode_mean_tokens") else None)
        if mode not in ("mean", "mean_tokens"):
            raise ModelError(f"onnx-int8 backend supports mean pooling only, not {mode!r}")


def export_int8(path: Path, folder: Path) -> Path:
    """Export ``path`` to ONNX, quantise it to int8 and move it into ``folder`` atomically."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    st = SentenceTransformer(str(path), device="cpu")
    hf = st[0].auto_model.eval()

    class _Encoder(torch.nn.Module):  # positional inputs for the tracer; last hidden state out
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                              return_dict=True).last_hidden_state

    sample = st.tokenizer(["a short sample", "and a somewhat longer sample sentence"], padding=True, return_tensors="pt")
    if "token_type_ids" not in sample:
        sample["token_type_ids"] = torch.zeros_like(sample["input_ids"])
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".tmp-", dir=folder.parent))
    try:
        fp32 = tmp / "model_fp32.onnx"
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Encoder(hf), tuple(sample[k] for k in _INPUTS), str(fp32), dynamo=False, opset_version=17,
                input_names=list(_INPUTS), output_names=["last_hidden_state"],
                dynamic_axes={k: {0: "batch", 1: "tokens"} for k in (*_INPUTS, "last_hidden_state")},
            )
        # Per-channel int8 weights on the MatMuls keep cosine to fp32 above ~0.97 on short
        # turns; per-tensor weights (or reduce_range) fell to ~0.6-0.85 on one-word turns.
        quantize_dynamic(str(fp32), str(tmp / MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=False, op_types_to_quantize=["MatMul"])
        fp32.unlink()
        (tmp / "export.json").write_text(json.dumps({
            "source": str(path), "export_version": EXPORT_VERSION, "opset": 17, "weights": "qint8 per-channel",
            "ops": ["MatMul"], "max_seq_length": int(st.max_seq_length),
        }, indent=2), encoding="utf-8")
        try:
            tmp.rename(folder)
        except OSError:  # another process finished first: use its export
            if not (folder / MODEL_FILE).is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


class OnnxInt8Embedder(Embedder):
    """:class:`~qualcode.embed.Embedder` with the network run by onnxruntime in int8."""

    backend = "onnx-int8"

    def __init__(self, path: str | os.PathLike[str], *, batch_size: int = BATCH_SIZE, threads: int | None = None):
        path = Path(path)
        if not path.is_dir():
            raise ModelError(f"embedding model folder not found: {path}")
        try:
            import onnxruntime as ort

            from ..offline import quiet_onnxruntime

            quiet_onnxruntime(ort)
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ModelError("the onnx-int8 backend needs onnx and onnxruntime (pip install -r requirements.txt)") from exc
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoTokenizer

        _check_pipeline(path)
        self.path = path
        self.folder = onnx_folder(path)
        self.exported = False  # True when this instance had to export (tests check reuse)
        if not (self.folder / MODEL_FILE).is_file():
            export_int8(path, self.folder)
            self.exported = True
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(self.folder / MODEL_FILE), opts, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        st_cfg = path / "sentence_bert_config.json"
        max_len = json.loads(st_cfg.read_text(encoding="utf-8")).get("max_seq_length") if st_cfg.is_file() else None
        self.max_seq_length = int(max_len or min(self.tokenizer.model_max_length, 512))
        self.max_pieces = self.max_seq_length - 2
        self.dim = int(self.session.get_outputs()[0].shape[-1] or json.loads((path / "config.json").read_text())["hidden_size"])
        self.batch_size = batch_size
        self.model = None  # no torch model in this backend
        self.model_id = f"{model_name(path)}@{model_fingerprint(path)}/c{CHUNKING_VERSION}/onnx-int8-x{EXPORT_VERSION}"
        self.calls = 0

    def _pieces(self, texts):
        # One batched tokenizer call finds the texts that need splitting; only those pay
        # for chunks()' per-text tokenisation (a short text is its own single piece).
        counts = self.tokenizer(list(texts), add_special_tokens=False, return_length=True, verbose=False)["length"]
        flat: list[str] = []
        owner: list[int] = []
        weight: list[float] = []
        for i, (text, n) in enumerate(zip(texts, counts)):
            parts = self.chunks(text) if n > self.max_pieces and text.strip() else [text]
            for part in parts:
                flat.append(part)
                owner.append(i)
                weight.append(float(max(1, len(part.split()))))
        return flat, owner, weight

    def encode(self, texts, *, progress=None) -> np.ndarray:
        """Embed ``texts`` (unit-length float32 rows, in the caller's order), splitting long ones.

        Pieces are tokenised once and run shortest first in batches padded to their own
        longest piece; see the module docstring.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        flat, owner_list, weight_list = self._pieces(texts)
        ids = self.tokenizer(flat, truncation=True, max_length=self.max_seq_length, verbose=False)["input_ids"]
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        order = np.argsort(lengths, kind="stable")  # stable: equal lengths keep the caller's order
        owner = np.asarray(owner_list)
        weight = np.asarray(weight_list, dtype=np.float32)
        need = np.bincount(owner, minlength=len(texts))
        finished = np.zeros(len(texts), dtype=np.int64)
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            vecs = self._run([ids[k] for k in idx], lengths[idx])
            self.calls += len(idx)
            np.add.at(out, owner[idx], weight[idx, None] * vecs)
            np.add.at(finished, owner[idx], 1)
            if progress is not None:
                progress(int((finished == need).sum()), len(texts))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)

    def _run(self, ids: list[list[int]], lengths: np.ndarray) -> np.ndarray:
        """Unit-length mean-pooled vectors for one batch of token id lists."""
        width = int(lengths.max())
        input_ids = np.full((len(ids), width), self.tokenizer.pad_token_id or 0, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for r, row in enumerate(ids):
            input_ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        feeds = {k: v for k, v in feeds.items() if k in self.input_names}
        hidden = self.session.run(None, feeds)[0]
        m = mask[..., None].astype(np.float32)
        vecs = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.where(norms == 0, 1.0, norms)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors for texts that already fit the model (one batch)."""
        ids = self.tokenizer(texts, truncation=True, max_length=self.max_seq_length, verbose=False)["input_ids"]
        return self._run(ids, np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids)))
