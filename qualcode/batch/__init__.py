"""Corpora beyond one machine: embed and auto-code a whole corpus on a Dask cluster.

For a normal study nothing here is needed: the app embeds and suggests in process.
For corpora of tens of thousands of threads or millions of chatbot exchanges:

- :func:`open_cluster`: a local cluster of worker processes (loopback only), or the
  scheduler of a cluster on several machines (:mod:`.cluster`, why Dask);
- :func:`embed_corpus`: every turn's vector into the project's cache (:mod:`.embed`);
- :func:`autocode_corpus`: a suggester trained on one coder's codings applied to every
  other transcript, written as a machine coder's codings (:mod:`.autocode`).

Workers only compute (:mod:`.worker`); every write goes through the store on the
machine that runs the command, one transaction per chunk, so a run that stops resumes.
See docs/batch.md.
"""

from .autocode import AutocodeReport, autocode_corpus, machine_coder_name
from .cluster import open_cluster, worker_count
from .embed import EmbedReport, corpus_texts, embed_corpus

__all__ = ["AutocodeReport", "EmbedReport", "autocode_corpus", "corpus_texts", "embed_corpus", "machine_coder_name",
           "open_cluster", "worker_count"]
