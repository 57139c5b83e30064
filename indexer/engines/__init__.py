"""Speech-to-text engines behind one interface (`Engine`), chosen by name with `load_engine`."""

from .base import (
    DEFAULT_BATCH_SIZE,
    ENGINE_NAMES,
    MAX_BATCH_SIZE,
    MAX_LANES,
    Engine,
    EngineError,
    EngineOptions,
    Request,
    Transcribed,
    load_engine,
)

__all__ = ["DEFAULT_BATCH_SIZE", "ENGINE_NAMES", "MAX_BATCH_SIZE", "MAX_LANES", "Engine",
           "EngineError", "EngineOptions", "Request", "Transcribed", "load_engine"]
