"""`--scheduler`: an exhaustive audit's chunks on a Dask cluster, the same result bit for bit.

A local cluster of two worker processes stands in for a real one; these tests skip where dask's
distributed scheduler is not installed (pip install '.[dask]').
"""

import json
import sys
import warnings

import pytest
from test_accuracy_audit import _same_audit
from typer.testing import CliRunner

from actviz.analysis import accuracy as acc
from actviz.analysis import distributed
from actviz.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def scheduler():
    dd = pytest.importorskip("dask.distributed", reason="dask's distributed scheduler is not installed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cluster's own start-up notes
        cluster = dd.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None)
    try:
        yield cluster.scheduler_address
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cluster.close()


def test_float32_range_on_the_cluster_is_the_local_run(scheduler, monkeypatch):
    # 838,861 values in 13 chunks, 4 chunks to a task: a binned curve folded from many tasks
    monkeypatch.setattr(distributed, "CHUNKS_PER_TASK", 4)
    local = acc.audit("softplus", "float32", range=(87.0, 90.0), exhaustive=True, workers=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        remote = acc.audit("softplus", "float32", range=(87.0, 90.0), exhaustive=True, scheduler=scheduler)
    assert local.curve.binned and local.naive_forward.overflow  # the textbook overflows past 88.7
    _same_audit(local, remote)


def test_every_float16_value_on_the_cluster_is_the_local_run(scheduler):
    # 63,488 values: a curve of every point, sent back as arrays
    local = acc.audit("gelu", "float16", exhaustive=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        remote = acc.audit("gelu", "float16", exhaustive=True, scheduler=scheduler)
    assert not local.curve.binned
    _same_audit(local, remote)


def test_the_command_line_runs_on_the_cluster(scheduler):
    args = ["accuracy", "tanh", "-d", "float16", "--exhaustive", "--format", "json"]
    local = runner.invoke(app, args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        remote = runner.invoke(app, [*args, "--scheduler", scheduler])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in json.loads(local.stdout)]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in json.loads(remote.stdout)]


def test_an_unreachable_scheduler_is_one_line_and_exit_1(monkeypatch):
    pytest.importorskip("dask.distributed", reason="dask's distributed scheduler is not installed")
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = runner.invoke(app, ["accuracy", "sigmoid", "-d", "float16", "--exhaustive",
                                     "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in lines[0], lines


def test_without_dask_the_scheduler_is_a_clear_runtime_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if not installed
    result = runner.invoke(app, ["accuracy", "sigmoid", "-d", "float16", "--exhaustive",
                                 "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("actviz: error: --scheduler needs dask's distributed scheduler, which is "
                                     "not installed (pip install 'actviz[dask]')")


@pytest.mark.parametrize("args", [
    ["-d", "float16"],                                     # not exhaustive
    ["-d", "float64", "--exhaustive", "--range", "1", "1.00000000000001"],  # mpmath judges float64
])
def test_the_scheduler_serves_only_chunked_audits(args):
    result = runner.invoke(app, ["accuracy", "sigmoid", *args, "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2
    assert "--scheduler runs the chunks of an exhaustive" in result.stderr


@pytest.mark.parametrize("impl", ["numpy", "actviz", "torch"])
def test_an_implementation_audit_on_the_cluster_is_the_local_run(scheduler, impl):
    # the workers bind the implementation again in their own processes (a framework's callables
    # do not pickle) and judge the same chunks: the table is the local one, bit for bit
    if impl == "torch":
        pytest.importorskip("torch", reason="torch is not installed")
    args = ["accuracy", "gelu", "--impl", impl, "-d", "float16", "--exhaustive", "--format", "json"]
    local = runner.invoke(app, args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        remote = runner.invoke(app, [*args, "--scheduler", scheduler])
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert "on the Dask cluster at" in remote.stderr or "auditing" not in remote.stderr
    drop = ("seconds", "workers")
    strip = [{k: v for k, v in r.items() if k not in drop} for r in json.loads(local.stdout)]
    assert strip == [{k: v for k, v in r.items() if k not in drop} for r in json.loads(remote.stdout)]
    assert strip[0]["points"] == 63488  # every finite float16 value


def test_a_worker_with_another_version_of_the_implementation_is_refused():
    # the table reports this process's version: a cluster whose workers would call another
    # one is refused before any work, naming the worker and both versions
    from actviz.analysis import impl_audit as ia

    impl, ref, bound = ia.prepare("gelu", "numpy", "float16")
    plan = ia._Plan(ref, "float16", None, None, False, {})
    job = ia._Job(plan, impl, bound)

    class Client:
        def run(self, fn, *args):
            return {"tcp://10.0.0.2:4000": job.version, "tcp://10.0.0.3:4000": "1.0.0"}

    with pytest.raises(distributed.SchedulerError, match=r"--impl numpy: the worker tcp://10.0.0.3:4000 runs "
                       r"textbook formula \(numpy\) 1.0.0, this process " + job.version.replace(".", r"\.")):
        job.check_cluster(Client())
    # and a job sent to a worker (dask pickles it with cloudpickle) binds the implementation there
    cloudpickle = pytest.importorskip("cloudpickle", reason="dask is not installed")
    again = cloudpickle.loads(cloudpickle.dumps(job))
    assert again.bound is not None and again.bound is not job.bound and again.version == job.version


def test_the_connect_timeout_is_read_when_the_scheduler_is_called(monkeypatch):
    # CONNECT_TIMEOUT is a setting: changing it reaches the next connection (a default
    # argument bound at import would keep 10 s, as the test above once waited)
    dask_distributed = pytest.importorskip("dask.distributed", reason="dask's distributed scheduler is not installed")
    asked = {}

    def client(address, timeout, set_as_default):
        asked["timeout"] = timeout
        raise OSError("refused")

    monkeypatch.setattr(dask_distributed, "Client", client)
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 2)
    with pytest.raises(distributed.SchedulerError, match="cannot reach the Dask scheduler at 'tcp://x:1': refused"):
        distributed.run_on_dask("tcp://x:1", None, [], lambda r: None)
    assert asked == {"timeout": 2}
