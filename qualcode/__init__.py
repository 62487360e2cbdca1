"""qualcode: a local-first qualitative analysis workbench.

The public face: the data model, the project store and the error types. Everything
else is imported from its package (``qualcode.codebook``, ``qualcode.ingest``,
``qualcode.analysis``, ...); ``docs/architecture.md`` draws the map.

The library never imports streamlit; ``qualcode.ui`` is the only part that does.
"""

__version__ = "0.1.0"

from . import offline as _offline  # noqa: E402

# Before any library that phones home is imported (onnxruntime reads its switch at import).
_offline.apply()

from .errors import (  # noqa: E402  (after __version__: refi.qdc reads it while this runs)
    AgreementError,
    AnalysisError,
    BrowserNotFoundError,
    CodebookError,
    ConfigError,
    ConflictError,
    DeidError,
    ExchangeError,
    UnreadableSource,
    ExportError,
    FigureExportError,
    IngestError,
    ModelError,
    NotFoundError,
    PermissionDenied,
    QualcodeError,
    SignInThrottled,
    StoreError,
    SuggestionError,
    BatchError,
    UsageError,
    ValueRefused,
)
from .model import CONSENSUS, HUMAN, IMPORTED, MACHINE, SUGGESTION, Code, Coding, Document, ImportedCoding, Participant, Segment  # noqa: E402
from .store import DocumentInfo, Event, Project  # noqa: E402

__all__ = [
    "__version__",
    "Project",
    "DocumentInfo",
    "Event",
    "Document",
    "Segment",
    "Code",
    "Coding",
    "ImportedCoding",
    "Participant",
    "HUMAN",
    "MACHINE",
    "SUGGESTION",
    "CONSENSUS",
    "IMPORTED",
    "QualcodeError",
    "IngestError",
    "StoreError",
    "NotFoundError",
    "ConflictError",
    "ValueRefused",
    "PermissionDenied",
    "SignInThrottled",
    "CodebookError",
    "ExchangeError",
    "UnreadableSource",
    "DeidError",
    "ModelError",
    "SuggestionError",
    "BatchError",
    "AgreementError",
    "AnalysisError",
    "ExportError",
    "FigureExportError",
    "BrowserNotFoundError",
    "UsageError",
    "ConfigError",
]
