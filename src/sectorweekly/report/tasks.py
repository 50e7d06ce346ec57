"""Run a set of named tasks, each once its needs are done; results matched to tasks by name.

Two runners with one interface (``run(tasks) -> {name: result}``):

- ``SerialRunner`` runs every task here, in the order of their needs: the tests' twin and
  ``build --jobs 1``.
- ``ForkRunner`` runs the tasks that want a process of their own in a copy forked from a warm
  process (forked when the runner is made, importing the slow libraries while the caller builds
  the model), all of them at once, and the others here meanwhile. Each copy answers on a pipe of
  its own, so results come back in whatever order the copies finish and are matched to the
  task that made them, never to the order of calls.

A task's error comes back as its one line and exit code; one the task did not foresee names
the task. Either way the first error stops the run and the other copies are stopped.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from ..errors import SectorWeeklyError, machine_error

# what the warm process imports while the model is built: the PDF's first (a build whose charts
# are cached needs only those), then matplotlib in steps of a fifth of a second, python-docx last
WARM_MODULES = (
    "weasyprint",
    "sectorweekly.report.pdf",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "sectorweekly.report.chart_drawing",
    "docx",
)


INTERNAL_ERROR = 70


@dataclass(frozen=True)
class Task:
    """``run(*args, needs)``: ``needs`` maps the names in ``needs`` to those tasks' results.

    ``run`` is a module-level function (a copy of the process finds it by reference).
    """

    name: str
    run: Callable[..., Any]
    args: tuple[Any, ...] = ()
    needs: tuple[str, ...] = ()
    own_process: bool = False
    nice: int = 0  # a lower priority, for work nothing waits on (the table images)


class Runner(Protocol):
    def run(
        self, tasks: Sequence[Task], given: Mapping[str, Any] | None = None
    ) -> dict[str, Any]: ...

    def close(self) -> None: ...


def _check(tasks: Sequence[Task], given: Iterable[str]) -> None:
    """Every name once, every need made by a task (or given), no circle of needs."""
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        raise ValueError(f"task names repeat: {names}")
    for t in tasks:
        missing = [n for n in t.needs if n not in names and n not in given]
        if missing:
            raise ValueError(f"task '{t.name}' needs {missing}, which no task makes")
    names += [n for n in given if n not in names]
    done: set[str] = set(given)
    while len(done) < len(names):
        ready = {t.name for t in tasks if t.name not in done and set(t.needs) <= done}
        if not ready:
            raise ValueError(f"tasks need each other: {sorted(set(names) - done)}")
        done |= ready


def _ready(tasks: Iterable[Task], done: Mapping[str, Any]) -> list[Task]:
    return [t for t in tasks if all(n in done for n in t.needs)]


def _call(task: Task, done: Mapping[str, Any]) -> Any:
    return task.run(*task.args, {n: done[n] for n in task.needs})


def _call_here(task: Task, done: Mapping[str, Any]) -> Any:
    """``_call`` in this process, an unforeseen error turned into the task's one line."""
    try:
        return _call(task, done)
    except Exception as exc:
        error = _as_error(task.name, exc)
        if error is exc:
            raise
        raise error from exc


def _as_error(task: str, exc: BaseException) -> SectorWeeklyError:
    """The one-line error of a failed task: its own, an OS error naming the path, or one that
    names the task."""
    if isinstance(exc, SectorWeeklyError):
        return exc
    if isinstance(exc, OSError):
        return machine_error(exc)
    error = SectorWeeklyError(f"{task}: internal error ({type(exc).__name__}: {exc})")
    error.exit_code = INTERNAL_ERROR  # a bug in that renderer: the documented code for one
    return error


class SerialRunner:
    """Every task in this process, each after its needs, in the order given otherwise."""

    def run(self, tasks: Sequence[Task], given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Each task's result by its name (with ``given``, results known before)."""
        done: dict[str, Any] = dict(given or {})
        _check(tasks, done)
        todo = list(tasks)
        while todo:
            task = _ready(todo, done)[0]  # _check: some task is always ready
            todo.remove(task)
            done[task.name] = _call_here(task, done)
        return done

    def close(self) -> None:
        return None


def _child(conn: Connection, task: Task, done: Mapping[str, Any]) -> None:
    """In a forked copy: run the task, send ``(ok, value)`` or ``(error, line, code)``, exit."""
    code = 0
    try:
        if task.nice:
            os.nice(task.nice)
        try:
            answer: tuple[Any, ...] = ("ok", _call(task, done))
        except BaseException as exc:
            error = _as_error(task.name, exc)
            answer = ("error", str(error), error.exit_code)
        conn.send(answer)
    except BaseException:  # the parent went away, or the answer could not be sent
        code = 1
    finally:
        os._exit(code)


def _reap(block: bool) -> None:
    """Wait for the copies that ended (``block``: for all of them), so their CPU time counts
    in this process's, and so in the build's."""
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _serve(
    control: Connection, slots: list[Connection], warm: Sequence[str], theirs: list[Connection]
) -> None:
    """The warm process: imports ``warm`` until asked for work, then forks a copy per task;
    when the caller closes ``control`` it waits for its copies and ends."""
    for conn in theirs:  # the caller's ends: when the caller goes, ``control`` ends
        conn.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it, not Ctrl-C
    os.setpgid(0, 0)  # it and its copies: one group, stopped together when a build fails
    for name in warm:
        if control.poll():
            break  # a task came (or the caller went): it imports what it needs itself
        with contextlib.suppress(Exception):  # a failing import is reported by the task
            importlib.import_module(name)
    try:
        while True:
            slot, task, done = control.recv()
            if os.fork() == 0:
                control.close()
                for i, other in enumerate(slots):
                    if i != slot and not other.closed:
                        other.close()  # a copy that dies unanswered: its pipe ends (EOF)
                _child(slots[slot], task, done)
            slots[slot].close()
            _reap(block=False)
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        _reap(block=True)


class ForkRunner:
    """Own-process tasks in copies of a warm process, all at once; the rest here meanwhile.

    ``slots`` bounds how many own-process tasks one runner can start (each has a pipe made
    before the warm process is forked, so the copies can answer the caller directly).
    """

    def __init__(self, warm: Sequence[str] = WARM_MODULES, slots: int = 8) -> None:
        ctx = multiprocessing.get_context("fork")
        self._control, their_control = ctx.Pipe()
        pairs = [ctx.Pipe(duplex=False) for _ in range(slots)]
        self._slots = [r for r, _ in pairs]
        self._free = list(range(slots))
        self._proc: Any = ctx.Process(
            target=_serve,
            args=(their_control, [w for _, w in pairs], tuple(warm), [self._control, *self._slots]),
            daemon=True,
        )
        self._proc.start()
        their_control.close()
        for _, w in pairs:
            w.close()
        self._closed = False
        self._started = False  # some task was sent: the warm process stopped importing
        self._running: dict[Connection, str] = {}

    def _start(self, task: Task, done: Mapping[str, Any]) -> Connection:
        if self._closed:
            raise SectorWeeklyError(f"{task.name}: the build's processes were already stopped")
        if not self._free:
            raise ValueError(f"task '{task.name}': no pipe left for a process of its own")
        slot = self._free.pop(0)
        self._control.send((slot, task, {n: done[n] for n in task.needs}))
        self._started = True
        return self._slots[slot]

    def run(self, tasks: Sequence[Task], given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Each task's result by its name (with ``given``, results known before)."""
        done: dict[str, Any] = dict(given or {})
        _check(tasks, done)
        todo = list(tasks)
        running = self._running  # what ``close`` must stop if this run fails
        try:
            while todo or running:
                for task in _ready(todo, done):
                    if task.own_process:
                        todo.remove(task)
                        running[self._start(task, done)] = task.name
                here = [t for t in _ready(todo, done) if not t.own_process]
                if here:
                    todo.remove(here[0])
                    done[here[0].name] = _call_here(here[0], done)
                    timeout: float | None = 0  # collect what finished, then go on here
                else:
                    timeout = None
                for conn in wait(list(running), timeout):
                    name = running.pop(conn)  # type: ignore[index]
                    done[name] = self._answer(name, conn)  # type: ignore[arg-type]
        except BaseException:
            self.close()  # the other copies stop: their files are left to the caller
            raise
        return done

    def _answer(self, name: str, conn: Connection) -> Any:
        try:
            answer = conn.recv()
        except EOFError:
            answer = ("error", f"{name}: its process stopped before it finished", INTERNAL_ERROR)
        if answer[0] == "ok":
            return answer[1]
        error = SectorWeeklyError(answer[1])
        error.exit_code = answer[2]
        raise error

    def close(self) -> None:
        """End the warm process: at once when a task may still run (a failed build: their
        results are files and answers nobody will collect), else once it has reaped its
        copies (their CPU time counts in the build's)."""
        if self._closed:
            return
        self._closed = True
        if not self._started or self._running:
            with contextlib.suppress(OSError):  # the copies: a process group of their own
                os.killpg(self._proc.pid, signal.SIGTERM)
            if self._proc.is_alive():
                self._proc.terminate()
        self._control.close()  # the warm process sees the end of its pipe
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()
        for conn in self._slots:
            conn.close()

    def __enter__(self) -> ForkRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def runner(jobs: int) -> Runner:
    """The runner for ``build --jobs``: 1 runs everything here; more forks the slow formats."""
    return SerialRunner() if jobs <= 1 else ForkRunner()
