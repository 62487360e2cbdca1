"""Keep UMAP's and pynndescent's numba kernels compiled on disk, not once per process.

UMAP and pynndescent are numba code. Most of their functions are declared without
``cache=True``, so every new Python process compiles them again before its first fit:
measured here, 46 s of compilation for pynndescent's ``nn_descent`` alone on a loaded
two-core machine, about a minute for a first themes run in all. numba's dispatchers can
be switched to its on-disk cache after the fact (``Dispatcher.enable_caching``), which is
what this module does before the first fit. A second process then loads the compiled
machine code instead (the same fit: 57-65 s cold, 13-15 s with the cache, measured with
other work on the machine). What cannot be cached (kernels that take other compiled
functions as arguments, such as ``nn_descent`` with its distance) is still compiled.

numba keeps the cache beside the package (``__pycache__``) when that folder is writable,
else in the user's cache folder, or in ``NUMBA_CACHE_DIR`` when that is set; it is keyed
by the source file's timestamp and the numba version, so an upgrade recompiles.
"""

from __future__ import annotations

import logging
import sys
import threading
import warnings

__all__ = ["cache_compiled_kernels"]

log = logging.getLogger(__name__)

_PACKAGES = ("umap", "pynndescent")
_lock = threading.Lock()
_done = False


def cache_compiled_kernels() -> int:
    """Switch UMAP's and pynndescent's numba functions to numba's disk cache.

    Imports both packages (so call it where they are about to be used) and returns how
    many functions were switched; later calls do nothing and return 0. Never raises:
    without the cache the kernels are simply compiled, as before.
    """
    global _done
    with _lock:
        if _done:
            return 0
        _done = True
        try:
            import pynndescent  # noqa: F401  (imported for its modules' kernels)
            import umap  # noqa: F401
            from numba.core.caching import NullCache
            from numba.core.registry import CPUDispatcher
        except Exception as exc:  # a missing optional part: nothing to cache
            log.debug("numba kernel cache not set up: %s", type(exc).__name__)
            return 0
        # numba warns once per uncacheable kernel on every fit; that is expected here.
        warnings.filterwarnings("ignore", message="Cannot cache compiled function", module="numba")
        warnings.filterwarnings("ignore", message="Cannot cache compiled function")
        switched = 0
        for name, module in list(sys.modules.items()):
            if module is None or name.split(".")[0] not in _PACKAGES:
                continue
            for value in list(vars(module).values()):
                if isinstance(value, CPUDispatcher) and isinstance(value._cache, NullCache):
                    try:
                        value.enable_caching()
                        switched += 1
                    except Exception:  # e.g. a function numba cannot locate a cache for
                        continue
        return switched
