"""No network at run time: switch off the phone-home features of the libraries we use.

Set before those libraries are imported (``qualcode/__init__`` calls :func:`apply`):

* onnxruntime's Linux builds start a telemetry client (1DS) at import that looks up
  ``mobile.events.data.microsoft.com`` some seconds later; ``ORT_DISABLE_TELEMETRY=1``
  stops it (``onnxruntime.disable_telemetry_events()`` alone does not, measured with a
  recording resolver; it is called too, for the Windows event path);
* Hugging Face hub/transformers: offline mode and no telemetry (the model is packaged);
* Streamlit: no usage statistics.

Chromium (figure export) is configured in :mod:`qualcode.export.figures`.
"""

from __future__ import annotations

import os

__all__ = ["ENV", "apply", "quiet_onnxruntime"]

#: Forced: a user's environment cannot switch telemetry back on by accident.
ENV = {"ORT_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "1",
       "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
#: Defaults: a developer may point these elsewhere on purpose.
DEFAULTS = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


def apply() -> None:
    """Set the environment so no library qualcode uses reaches the network."""
    os.environ.update(ENV)
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)


def quiet_onnxruntime(ort) -> None:  # noqa: ANN001 - the onnxruntime module
    """Switch off onnxruntime's telemetry events (where this build has them)."""
    disable = getattr(ort, "disable_telemetry_events", None)
    if disable is not None:
        disable()
