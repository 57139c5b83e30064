"""Speech-to-text engines behind one interface (`Engine`), chosen by name with `load_engine`."""

from .base import ENGINE_NAMES, Engine, EngineError, EngineOptions, load_engine

__all__ = ["ENGINE_NAMES", "Engine", "EngineError", "EngineOptions", "load_engine"]
