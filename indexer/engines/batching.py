"""Batched decoding for faster-whisper: several windows decoded in one CTranslate2 call.

On two CPU cores one window's beam search is a chain of small matrix products that leaves
the cores idle between steps; the same steps for 4-8 windows at once cost little more
(docs/transcription-design.md, "Batches"). faster-whisper's own `BatchedInferencePipeline`
gets that speed by dropping what the pipeline relies on: it decodes at one temperature (no
fallback), one language per call, without Whisper's timestamp tokens, its seek loop or the
hallucination-silence skip.

So the windows of a batch keep faster-whisper's own sequential code, each in a thread of its
own (`WhisperModel.generate_segments`, the prompt retry of `FasterWhisperEngine`), and only
the model's two decoder calls are shared: `generate` and `align` (word timestamps). Each
thread's call waits at a `Rendezvous` until every thread of the batch is either waiting too
or finished; the last one to arrive runs the waiting calls that can go together (the same
options, the same start of prompt for `align`) as one batched call, and hands each thread its
own result. Threads that fall back to a hotter temperature, or seek past an unfinished
segment, meet again in smaller batches. The encoder is not batched: on two cores a batch of
encoder passes costs what the passes cost one by one (measured, docs/benchmarks.md).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import ctranslate2
import numpy as np

T = TypeVar("T")

_current = threading.local()  # the thread's Rendezvous while it decodes as part of a batch


@dataclass
class _Call:
    method: str
    features: Any  # (n, frames, width) encoder output
    args: tuple
    kwargs: dict
    order: int = 0  # its thread's task: rows go in task order, not in order of arrival
    result: list = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False

    @property
    def key(self) -> tuple:
        """Calls with equal keys can run as one batched call."""
        # max_length apart: a batch runs to the longest budget among its calls.
        frozen = tuple(sorted((k, _hashable(v)) for k, v in self.kwargs.items()
                              if k != "max_length"))
        if self.method == "generate":  # args: (prompts,)
            # CTranslate2 wants <|startoftranscript|> at one position in the whole batch: the
            # prompts of a batch have the same length (the same gazetteer prompt, or none).
            return (self.method, frozen, len(self.args[0][0]))
        return (self.method, _hashable(self.args[0]), frozen)  # align: (start_sequence, ...)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


class Rendezvous:
    """Where the threads of one batch meet to share the model's decoder calls."""

    def __init__(self, model: ctranslate2.models.Whisper, parties: int):
        self._model = model
        self._live = parties
        self._waiting: list[_Call] = []
        self._cond = threading.Condition()
        self.calls = 0  # batched calls made (tests and benchmarks)

    def call(self, call: _Call) -> list:
        with self._cond:
            self._waiting.append(call)
            if len(self._waiting) == self._live:
                self._run()
            while not call.done:
                self._cond.wait()
        if call.error is not None:
            raise call.error
        return call.result

    def leave(self) -> None:
        """A thread is done: the others no longer wait for it."""
        with self._cond:
            self._live -= 1
            if self._waiting and len(self._waiting) == self._live:
                self._run()

    def _run(self) -> None:
        """Run every waiting call, grouped into batched calls (the lock is held: every other
        thread of the batch is waiting, so nobody else needs it)."""
        # In task order: the same windows make the same batches, row for row, however the
        # threads were scheduled (a sampling fallback draws for its rows in this order).
        waiting, self._waiting = sorted(self._waiting, key=lambda call: call.order), []
        groups: dict[tuple, list[_Call]] = {}
        for call in waiting:
            groups.setdefault(call.key, []).append(call)
        for group in groups.values():
            try:
                self._batched(group)
            except Exception as exc:  # each thread re-raises it as its own call's error
                for call in group:
                    call.error = exc
            self.calls += 1
        for call in waiting:
            call.done = True
        self._cond.notify_all()

    def _batched(self, group: list[_Call]) -> None:
        sizes = [call.features.shape[0] for call in group]
        features = ctranslate2.StorageView.from_array(np.ascontiguousarray(
            np.concatenate([np.asarray(call.features) for call in group])))
        method = getattr(self._model, group[0].method)
        if group[0].method == "generate":
            prompts = [prompt for call in group for prompt in call.args[0]]
            kwargs = dict(group[0].kwargs)
            if "max_length" in kwargs:
                kwargs["max_length"] = max(call.kwargs["max_length"] for call in group)
            results = method(features, prompts, **kwargs)
        else:  # align(features, start_sequence, text_tokens, num_frames)
            tokens = [t for call in group for t in call.args[1]]
            frames = [f for call, size in zip(group, sizes)
                      for f in (call.args[2] if isinstance(call.args[2], list)
                                else [call.args[2]] * size)]
            results = method(features, group[0].args[0], tokens, frames, **group[0].kwargs)
        ends = list(itertools.accumulate(sizes))
        for call, start, end in zip(group, [0, *ends], ends):
            call.result = list(results[start:end])


class BatchingModel:
    """Stands in for faster-whisper's `ctranslate2.models.Whisper`: `generate` and `align`
    go through the calling thread's Rendezvous when it has one, everything else is the model's."""

    def __init__(self, model: ctranslate2.models.Whisper):
        self._model = model

    def __getattr__(self, name: str):
        return getattr(self._model, name)

    def generate(self, features, prompts, *args, **kwargs):
        return self._shared("generate", features, (prompts, *args), kwargs)

    def align(self, features, *args, **kwargs):
        return self._shared("align", features, args, kwargs)

    def _shared(self, method: str, features, args: tuple, kwargs: dict):
        rendezvous = getattr(_current, "rendezvous", None)
        if rendezvous is None:  # decoding alone: the model's own call
            return getattr(self._model, method)(features, *args, **kwargs)
        return rendezvous.call(_Call(method, features, args, kwargs, _current.index))


def run_together(model: BatchingModel, tasks: Sequence[Callable[[], T]]) -> list[T]:
    """Run each task in a thread of its own, their decoder calls batched; results in order.
    One task runs here, alone, exactly as without batching. The first error is raised."""
    if len(tasks) == 1:
        return [tasks[0]()]
    rendezvous = Rendezvous(model._model, len(tasks))
    results: list[Any] = [None] * len(tasks)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        _current.rendezvous, _current.index = rendezvous, index
        try:
            results[index] = tasks[index]()
        except BaseException as exc:  # raised again below, in the caller's thread
            errors.append(exc)
        finally:
            _current.rendezvous = None
            rendezvous.leave()

    threads = [threading.Thread(target=work, args=(i,), name=f"window-{i}")
               for i in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
