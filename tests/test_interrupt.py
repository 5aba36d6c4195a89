"""Ctrl-C stops every command at once: one line ``interrupted`` on stderr, exit 130, no
traceback, no temporary or partial file, and no worker process left running.

The real runs start ``python -m actviz`` in a process group of its own, without a terminal
(so no progress bar is drawn), and send SIGINT once the work has demonstrably started:
to the whole group, as a terminal's Ctrl-C does, or to the parent alone, as ``kill -INT``.
"""

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from actviz.cli import app
from actviz.render import gallery
from actviz.render.io import atomic_write, remove_temporaries

runner = CliRunner()
#: Only guards against a hang; nothing here is timed.
HANG_GUARD = 180.0

needs_proc = pytest.mark.skipif(
    not (hasattr(os, "fork") and os.path.exists("/proc/self/stat")), reason="needs fork and Linux /proc"
)


# -- the rule, in-process --------------------------------------------------------------------


@pytest.fixture
def every_command_interrupted(monkeypatch):
    """Every command's body raises KeyboardInterrupt once its options are parsed."""
    for info in app.registered_commands:

        @functools.wraps(info.callback)  # keeps the signature, so the options still parse
        def interrupted(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(info, "callback", interrupted)


def _arguments(name: str) -> list[str]:
    """The fewest arguments that get ``name`` past parsing: an activation per required argument."""
    command = typer.main.get_command(app).commands[name]
    return ["relu" for p in command.params if p.param_type_name == "argument" and p.required]


@pytest.mark.parametrize("name", sorted(typer.main.get_command(app).commands))
def test_keyboard_interrupt_in_any_command_is_one_line_and_130(every_command_interrupted, name, monkeypatch):
    monkeypatch.delenv("ACTVIZ_DEBUG", raising=False)
    result = runner.invoke(app, [name, *_arguments(name)])
    assert result.exit_code == 130, (result.stdout, result.stderr)
    assert result.stderr == "interrupted\n"
    assert result.stdout == ""


def _signal_whose_analysis_raises(monkeypatch, raised: BaseException, under: BaseException | None = None):
    """`actviz signal tanh` where the library call below the command raises ``raised``, from ``under``."""
    from actviz.analysis import signal as sig

    def analyse(*args, **kwargs):
        if under is None:
            raise raised
        try:
            raise under
        except BaseException as exc:
            raise raised from exc

    monkeypatch.delenv("ACTVIZ_DEBUG", raising=False)
    monkeypatch.setattr(sig, "analyse", analyse)
    return runner.invoke(app, ["signal", "tanh"])


def test_keyboard_interrupt_inside_the_library_call(monkeypatch):
    # below the command body, where a real Ctrl-C lands
    result = _signal_whose_analysis_raises(monkeypatch, KeyboardInterrupt())
    assert (result.exit_code, result.stderr, result.stdout) == (130, "interrupted\n", "")


def test_an_interrupt_that_an_extension_turns_into_an_import_error_is_still_an_interrupt(monkeypatch):
    # a Ctrl-C while a pybind11 module (matplotlib's ft2font, _path, ...) initialises comes out as
    # ImportError("initialization failed") raised from the KeyboardInterrupt; CI once saw it as an internal error
    result = _signal_whose_analysis_raises(monkeypatch, ImportError("initialization failed"), KeyboardInterrupt())
    assert (result.exit_code, result.stderr, result.stdout) == (130, "interrupted\n", "")


def test_an_import_error_of_its_own_is_not_an_interrupt(monkeypatch):
    result = _signal_whose_analysis_raises(monkeypatch, ImportError("initialization failed"), ValueError("inner"))
    assert result.exit_code == 1
    assert result.stderr.startswith("actviz: error: internal error: ImportError: initialization failed")


def test_keyboard_interrupt_while_loading_a_plugin(tmp_path, monkeypatch):
    # the root callback runs before any command
    plugin = tmp_path / "slow.py"
    plugin.write_text("raise KeyboardInterrupt\n", encoding="utf-8")
    monkeypatch.delenv("ACTVIZ_DEBUG", raising=False)
    result = runner.invoke(app, ["--plugin", str(plugin), "list"])
    assert (result.exit_code, result.stderr, result.stdout) == (130, "interrupted\n", "")


def test_keyboard_interrupt_while_parsing(monkeypatch):
    from typer.core import TyperGroup

    def parse_args(self, ctx, args):
        raise KeyboardInterrupt

    monkeypatch.delenv("ACTVIZ_DEBUG", raising=False)
    monkeypatch.setattr(TyperGroup, "parse_args", parse_args)
    result = runner.invoke(app, ["list"])
    assert (result.exit_code, result.stderr, result.stdout) == (130, "interrupted\n", "")


@pytest.mark.parametrize("how", ["--debug", "ACTVIZ_DEBUG=1"])
def test_debugging_shows_the_keyboard_interrupt_itself(every_command_interrupted, how, monkeypatch):
    monkeypatch.delenv("ACTVIZ_DEBUG", raising=False)
    args = ["list"]
    if how == "--debug":
        args = ["--debug", *args]
    else:
        monkeypatch.setenv("ACTVIZ_DEBUG", "1")
    with pytest.raises(KeyboardInterrupt):
        runner.invoke(app, args)


def test_a_ctrl_c_once_the_work_is_done_changes_nothing(tmp_path):
    # a Ctrl-C that lands as the process exits (here from an exit handler; in the field while the interpreter
    # shuts down, which once killed `signal --figure` by SIGINT after "wrote ...") leaves the outcome alone
    script = tmp_path / "late.py"
    script.write_text(
        "import atexit, os, signal, sys, time\n"
        "from actviz.cli import main\n"
        "atexit.register(lambda: (os.kill(os.getpid(), signal.SIGINT), time.sleep(0.2)))\n"
        "sys.argv = ['actviz', 'info', 'relu', '--format', 'json']\n"
        "main()\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "ACTVIZ_DEBUG"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                          timeout=HANG_GUARD)
    assert (done.returncode, done.stderr) == (0, "")
    assert '"name": "relu"' in done.stdout


# -- the gallery's pool, in-process ----------------------------------------------------------


@needs_proc
def test_gallery_kills_its_workers_and_removes_their_temporary_files(tmp_path, monkeypatch):
    """A Ctrl-C while two workers are each inside an atomic write: both are killed, neither
    temporary file survives, and the figure finished before stays."""
    out, started = tmp_path / "out", tmp_path / "started"
    ignoring: list[bool] = []
    out.mkdir()
    started.mkdir()

    def render(job, directory, fmt="png", dark=False):
        def write(fh):
            fh.write(b"part of a figure")
            fh.flush()
            if job.stem != "relu":  # the others never finish unless their worker is killed
                (started / str(os.getpid())).touch()
                time.sleep(HANG_GUARD)

        return atomic_write(Path(directory) / f"{job.stem}.{fmt}", write, binary=True)

    def progress(job, error):
        assert error is None, error
        deadline = time.monotonic() + HANG_GUARD
        while len(list(started.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        for pid in started.iterdir():
            ignoring.append(_ignores_sigint(int(pid.name)))
        raise KeyboardInterrupt  # as Ctrl-C in the parent would

    monkeypatch.setattr(gallery, "render", render)  # the forked workers inherit it
    with pytest.raises(KeyboardInterrupt):
        gallery.build(out, jobs=2, only=["relu", "tanh", "sigmoid"], progress=progress)
    workers = [int(p.name) for p in started.iterdir()]
    assert len(workers) == 2
    assert ignoring == [True, True]  # a terminal's Ctrl-C reaching them does nothing
    assert sorted(p.name for p in out.iterdir()) == ["relu.png"]
    for pid in workers:  # killed and reaped, not left running or as zombies
        assert not os.path.exists(f"/proc/{pid}"), pid


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    target = tmp_path / "relu.png"
    target.write_bytes(b"the figure from before")

    def savefig(self, fh, **kwargs):
        fh.write(b"half a figure")
        raise KeyboardInterrupt  # Ctrl-C in the middle of the write

    monkeypatch.delenv("ACTVIZ_DEBUG", raising=False)
    monkeypatch.setattr(Figure, "savefig", savefig)
    result = runner.invoke(app, ["plot", "relu", "-o", str(target)])
    assert (result.exit_code, result.stderr) == (130, "interrupted\n")
    assert target.read_bytes() == b"the figure from before"
    assert [p.name for p in tmp_path.iterdir()] == ["relu.png"]


def test_remove_temporaries_takes_only_that_targets_temporary_files(tmp_path):
    mine = tmp_path / ".relu.png.k2j4x9_a.tmp"
    others = [tmp_path / n for n in ("relu.png", ".relu.png.svg", ".relu.pngx.abc.tmp", ".tanh.png.abc.tmp")]
    for path in [mine, *others]:
        path.write_bytes(b"x")
    assert remove_temporaries(tmp_path / "relu.png") == [mine]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in others)


# -- real runs ---------------------------------------------------------------------------------


def _default_sigint() -> None:
    # A test run started where SIGINT is ignored (a background job of a script) would pass
    # that on, and Python keeps an ignored SIGINT ignored: the child must have the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Run:
    """``python -m actviz ARGS`` in its own process group, without a terminal."""

    def __init__(self, args: list[str], tmp_path: Path):
        env = {k: v for k, v in os.environ.items()
               if k not in ("ACTVIZ_DEBUG", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")}
        env["MPLBACKEND"] = "Agg"
        self.stdout_path, self.stderr_path = tmp_path / "stdout", tmp_path / "stderr"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "actviz", *args],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                start_new_session=True, preexec_fn=_default_sigint,
            )
        self.pgid = self.proc.pid

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8")

    def wait_until(self, started) -> None:
        deadline = time.monotonic() + HANG_GUARD
        while not started():
            assert self.proc.poll() is None, f"ended before it was interrupted: {self.stderr()}"
            assert time.monotonic() < deadline, "never started"
            time.sleep(0.02)

    def interrupt(self, group: bool = True) -> int:
        if group:
            os.killpg(self.pgid, signal.SIGINT)
        else:
            os.kill(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout=HANG_GUARD)

    def group_alive(self) -> bool:
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        return True

    def group_ends(self) -> bool:
        """Whether every process of the group is gone once the command has exited (a moment
        is allowed for multiprocessing's helpers to notice; a worker left behind never ends)."""
        deadline = time.monotonic() + 10.0
        while self.group_alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def close(self) -> None:
        if self.group_alive():
            os.killpg(self.pgid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.wait(timeout=HANG_GUARD)


@pytest.fixture
def start(tmp_path):
    runs = []

    def start(args):
        runs.append(Run(args, tmp_path))
        return runs[-1]

    yield start
    for run in runs:
        run.close()


def _ignores_sigint(pid: int) -> bool:
    """Whether process ``pid`` ignores SIGINT (its SigIgn mask in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGINT - 1) & 1)
    raise AssertionError(f"no SigIgn for {pid}")


def _cpu_seconds(pid: int) -> float:
    """User and system time of process ``pid`` and its threads so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _children(pid: int) -> list[int]:
    """The live child processes of ``pid``, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # ended meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


@needs_proc
@pytest.mark.parametrize("group", [True, False], ids=["ctrl-c", "kill-int-parent"])
def test_gallery_stops_at_once(tmp_path, start, group):
    out = tmp_path / "gallery"
    run = start(["gallery", "-o", str(out), "-j", "2"])
    workers: list[int] = []

    def rendering():
        workers[:] = _children(run.proc.pid)
        return len(workers) == 2 and out.is_dir() and any(out.glob("*.png"))

    run.wait_until(rendering)
    assert all(_ignores_sigint(pid) for pid in workers)  # the parent alone decides
    code = run.interrupt(group)
    assert code == 130, run.stderr()
    assert run.stderr() == "interrupted\n"
    assert run.group_ends(), "a worker outlived the gallery"
    assert not any(os.path.exists(f"/proc/{pid}") for pid in workers)
    names = sorted(p.name for p in out.iterdir())
    # only whole figures: no temporary file, no index; and the queue was not rendered
    assert names and all(n.endswith(".png") and not n.startswith(".") for n in names), names
    assert len(names) < len(gallery.plan()) // 2, names
    assert "wrote" not in run.stdout()


@needs_proc
def test_exhaustive_accuracy_stops_at_once(tmp_path, start):
    out = tmp_path / "out"
    out.mkdir()
    # 835,318,474 float32 values (count_values): a minute of work on two cores
    run = start(["accuracy", "relu", "--exhaustive", "--dtype", "float32", "--range", "1", "1e30",
                 "--workers", "2", "-o", str(out / "audit.json")])
    run.wait_until(lambda: run.stderr().startswith("auditing "))
    announced_at = _cpu_seconds(run.proc.pid)
    run.wait_until(lambda: _cpu_seconds(run.proc.pid) > announced_at + 1.0)  # auditing, bar and all
    code = run.interrupt()
    assert code == 130, run.stderr()
    # the line announcing the run, then only the interruption (the bar is not drawn without a terminal)
    announced, rest = run.stderr().split("\n", 1)
    assert announced.startswith("auditing relu") and "835,318,474 float32 values" in announced
    assert rest == "interrupted\n"
    assert run.group_ends()
    assert list(out.iterdir()) == []


@needs_proc
def test_signal_figure_stops_at_once(tmp_path, start):
    out = tmp_path / "out"
    out.mkdir()
    run = start(["signal", "tanh", "--figure", str(out / "signal.png")])
    # the table comes first; drawing the figure's six panels takes most of a second after it
    run.wait_until(lambda: "edge of chaos" in run.stdout())
    code = run.interrupt()
    assert code == 130, run.stderr()
    assert run.stderr() == "interrupted\n"
    assert run.group_ends()
    assert list(out.iterdir()) == []


@needs_proc
def test_signal_figure_stops_at_once_while_its_child_computes(tmp_path, start):
    # the mean field and the networks are computed in a forked child, which ignores Ctrl-C
    # (the parent alone decides): the parent kills it as it exits, so none outlives the command
    out = tmp_path / "out"
    out.mkdir()
    # 200 layers of 2048 units, drawn twice (too many to keep): half a minute of work in the child
    run = start(["signal", "tanh", "--width", "2048", "--depth", "200", "--samples", "8", "--figure", str(out / "signal.png")])
    children: list[int] = []

    def computing():
        children[:] = _children(run.proc.pid)
        return len(children) == 1 and _cpu_seconds(children[0]) > 0.3

    run.wait_until(computing)
    assert _ignores_sigint(children[0])
    code = run.interrupt()
    assert code == 130, run.stderr()
    assert run.stderr() == "interrupted\n"
    assert run.group_ends(), "the child outlived the command"
    assert list(out.iterdir()) == []
