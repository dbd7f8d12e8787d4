"""Extraction on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes on
loopback, started with the real command-line tools.

- The features computed through the cluster are bit-identical to a local run.
- A worker killed (SIGKILL, nanny and worker process) in the middle of a run loses no track.
- An unreachable scheduler is a clear error naming the address and the reason, in the API and
  the CLI (no traceback).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.__main__ import main
from core.errors import ParameterError, WorkbenchError
from core.features.audio import AudioConfig
from core.features.cache import FeatureCache
from core.features.distributed import dask_executor, parse_scheduler
from core.features.extract import _audio_worker, extract_features

REPO = Path(__file__).resolve().parent.parent
DASK = Path(sys.executable).parent / "dask"
#: The local reference runs with one BLAS thread, as Dask workers do: the extractor's last bits
#: depend on the BLAS thread count (see core.features.distributed.jobs._one_blas_thread).
ONE_THREAD = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
ARRAYS = ("audio", "audio_ok", "audio_stats", "lyrics", "lyrics_ok", "lyrics_stats", "semantic")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


class Cluster:
    """A scheduler and workers started as separate sessions, so each can be killed as a group."""

    def __init__(self, tmp: Path, project_on_path: bool = True):
        self.tmp = tmp
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        # workers get the environment a user's shell would give them, plus the project on the path
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        if project_on_path:
            self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        self.scheduler = None
        self.workers: list[subprocess.Popen] = []

    def _spawn(self, args: list, log: str) -> subprocess.Popen:
        out = open(self.tmp / log, "wb")
        try:
            return subprocess.Popen([str(DASK), *args], cwd=self.tmp, env=self.env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            out.close()

    def start(self, n_workers: int = 2) -> "Cluster":
        self.scheduler = self._spawn(["scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--no-dashboard"], "scheduler.log")
        for k in range(n_workers):
            self.workers.append(self._spawn(["worker", self.address, "--nworkers", "1", "--nthreads", "1",
                                             "--host", "127.0.0.1", "--no-dashboard", "--name", f"w{k}"],
                                            f"worker{k}.log"))
        return self

    def connect(self, n_workers: int, timeout: float = 60.0):
        """A client of this cluster once the scheduler listens and ``n_workers`` have joined."""
        from distributed import Client
        deadline = time.monotonic() + timeout
        while True:  # the scheduler takes a moment to listen
            try:
                client = Client(self.address, timeout=5, set_as_default=False)
                break
            except OSError:
                if time.monotonic() > deadline or self.scheduler.poll() is not None:
                    raise
                time.sleep(0.5)
        client.wait_for_workers(n_workers, timeout=max(deadline - time.monotonic(), 1.0))
        return client

    def stop(self) -> None:
        for proc in self.workers + [self.scheduler]:
            if proc is not None:
                _kill_group(proc)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("dask")).start(2)
    try:
        c.client = c.connect(2)
        yield c
        c.client.close()
    finally:
        c.stop()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from core.datasets.synthetic import SynthConfig, generate
    # 20 clips of 3 s: long enough that a worker killed after the first clip still holds work
    return generate(SynthConfig(tracks_per_genre=2, clip_seconds=3.0, seed=11),
                    tmp_path_factory.mktemp("synth") / "set", n_jobs=2)


@pytest.fixture(scope="module")
def local_features(dataset, tmp_path_factory):
    """The reference: two local worker processes (no Dask), one BLAS thread each like the workers."""
    mp = pytest.MonkeyPatch()
    for var, value in ONE_THREAD.items():
        mp.setenv(var, value)
    try:
        fs, rep = extract_features(dataset, cache=FeatureCache(tmp_path_factory.mktemp("local-cache")), n_jobs=2)
    finally:
        mp.undo()
    assert rep.audio_extracted == dataset.n_tracks and rep.audio_failed == 0
    return fs


def _what(message: str) -> str:
    """A progress message without its counts ("3 of 6 clips, 0 of 4 lyrics: audio t1" -> "audio t1")."""
    return message.split(": ", 1)[-1]


def _assert_identical(a, b):
    assert list(a.track_ids) == list(b.track_ids)
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        assert np.array_equal(x, y, equal_nan=True), f"{name} differs (max |diff| " \
            f"{np.nanmax(np.abs(np.asarray(x, float) - np.asarray(y, float))):.3g})"


def test_cluster_features_identical_to_local(cluster, dataset, local_features, tmp_path):
    cache = FeatureCache(tmp_path / "cache")
    seen = []
    with dask_executor(cluster.address) as ex:
        assert ex.n_workers_ == 2
        fs, rep = extract_features(dataset, cache=cache, executor=ex,
                                   progress=lambda d, t, m: seen.append((d, t, m)))
    assert rep.audio_extracted == dataset.n_tracks and rep.audio_failed == 0, rep.lines()
    _assert_identical(fs, local_features)
    # the parent wrote one cache entry per clip; progress counted every clip, one at a time
    assert cache.count("audio") == dataset.n_tracks and cache.count("featuresets") == 1
    audio_done = [d for d, _, m in seen if _what(m).startswith("audio ")]
    assert audio_done == list(range(1, dataset.n_tracks + 1))
    # the cached entries are what a second (local) run reads back: nothing left to extract
    fs2, rep2 = extract_features(dataset, cache=cache, n_jobs=1, use_dataset_cache=False)
    assert rep2.audio_cached == dataset.n_tracks and rep2.audio_extracted == 0
    _assert_identical(fs2, local_features)


def test_missing_file_on_worker_is_reported_for_that_track(cluster, dataset, tmp_path):
    good = dataset.tracks["audio_path"].iloc[0]
    jobs = [(str(tmp_path / "nowhere.wav"), "0" * 32, str(tmp_path / "cache"), AudioConfig()),
            (good, "1" * 32, str(tmp_path / "cache"), AudioConfig())]
    with dask_executor(cluster.address) as ex:
        out = dict(ex(_audio_worker, jobs))
    status, reason, hint = out[0]
    assert status == "error" and "not found on Dask worker" in reason and "shared filesystem" in hint
    assert out[1][0] == "ok"
    assert FeatureCache(tmp_path / "cache").count("audio") == 1  # written by the parent, only for the good clip


def test_worker_killed_mid_run_loses_no_track(cluster, dataset, local_features, tmp_path):
    client = cluster.client
    pids = client.run(os.getpid)  # worker address -> pid of the worker process (child of its nanny)
    group = {addr: os.getpgid(pid) for addr, pid in pids.items()}
    killed = {}

    def progress(done, total, message):
        if killed or not _what(message).startswith("audio "):
            return
        busy = {w: keys for w, keys in client.processing().items() if keys}
        victim = next(iter(busy), None)
        if victim is None:
            return  # nothing in flight anywhere this instant: try at the next clip
        os.killpg(group[victim], signal.SIGKILL)  # the nanny and its worker, no goodbye
        killed[victim] = (done, len(busy[victim]))
        print(f"killed {victim} after {done} clips, {len(busy[victim])} in flight there")

    with dask_executor(cluster.address) as ex:
        fs, rep = extract_features(dataset, cache=FeatureCache(tmp_path / "cache"), executor=ex,
                                   progress=progress)
    assert killed, "no worker was busy at any completion: the test did not kill anything"
    (victim, (done_at_kill, in_flight)), = killed.items()
    assert done_at_kill < dataset.n_tracks and in_flight >= 1
    assert rep.audio_extracted == dataset.n_tracks and rep.audio_failed == 0, rep.lines()
    _assert_identical(fs, local_features)
    deadline = time.monotonic() + 30
    while victim in client.scheduler_info(n_workers=-1)["workers"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert victim not in client.scheduler_info(n_workers=-1)["workers"]


def test_losing_the_scheduler_mid_run_is_a_clear_error(dataset, tmp_path):
    c = Cluster(tmp_path).start(1)
    try:
        c.connect(1).close()
        cache = FeatureCache(tmp_path / "cache")

        def progress(done, total, message):
            if _what(message).startswith("audio ") and done == 2:
                os.killpg(c.scheduler.pid, signal.SIGKILL)

        with dask_executor(c.address) as ex:
            with pytest.raises(WorkbenchError, match=rf"Lost the connection to the Dask scheduler at {c.address} "
                                                     r"with \d+ clips unfinished; finished clips are cached"):
                extract_features(dataset, cache=cache, executor=ex, progress=progress)
        assert 2 <= cache.count("audio") < dataset.n_tracks  # what came back before the loss is kept
        assert cache.count("featuresets") == 0  # no half-empty feature set was saved
    finally:
        c.stop()


def test_workers_without_the_project_code_are_a_clear_error(tmp_path):
    c = Cluster(tmp_path, project_on_path=False).start(1)
    try:
        c.connect(1).close()
        with pytest.raises(WorkbenchError, match=rf"The workers of the Dask scheduler at {c.address} cannot run "
                                                 r"this project's code \(.*No module named 'core'.*\); start each "
                                                 r"worker with the project folder on PYTHONPATH"):
            dask_executor(c.address).start()
    finally:
        c.stop()


def test_cli_extract_through_the_scheduler(cluster, dataset, tmp_path, capsys):
    assert main(["extract", str(dataset.root), "--scheduler", cluster.address,
                 "--cache", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert f"audio extraction on the Dask scheduler at {cluster.address}" in out
    assert f"audio: {dataset.n_tracks} extracted, 0 from cache, 0 failed" in out


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys):
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    with pytest.raises(WorkbenchError, match=r"Cannot reach the Dask scheduler at tcp://127\.0\.0\.1:\d+: "
                                             r"Connection refused"):
        dask_executor(address, connect_timeout=2).start()
    # the CLI: one line on stderr, exit code 1, no traceback
    from core.datasets.synthetic import SynthConfig, generate
    root = tmp_path / "set"
    generate(SynthConfig(tracks_per_genre=1, clip_seconds=1.0, seed=0, genres=("metal",)), root, n_jobs=1)
    assert main(["extract", str(root), "--scheduler", address]) == 1
    err = capsys.readouterr().err
    assert f"error: Cannot reach the Dask scheduler at {address}: Connection refused" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["127.0.0.1:8786", "http://h:8786", "tcp://h", "tcp://h:99999", "", 8786])
def test_bad_scheduler_address_names_the_parameter(value):
    with pytest.raises(ParameterError, match=r"The 'address' parameter of dask_executor must be 'local' or a "
                                             r"scheduler address 'tcp://HOST:PORT'.*Got .* instead\."):
        dask_executor(value)


def test_scheduler_address_forms():
    assert parse_scheduler(None) is None and parse_scheduler("local") is None and parse_scheduler(" LOCAL ") is None
    assert parse_scheduler("tcp://10.0.0.5:8786/") == "tcp://10.0.0.5:8786"
    assert parse_scheduler("tcp://[::1]:8786") == "tcp://[::1]:8786"
    with pytest.raises(ParameterError, match="'n_workers' parameter of dask_executor"):
        dask_executor(None, n_workers=0)


def test_cli_rejects_a_bad_scheduler_as_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["extract", "--scheduler", "nowhere"])
    assert exc.value.code == 2
    assert "The 'address' parameter of dask_executor" in capsys.readouterr().err


def test_local_cluster_via_cli(tmp_path, capsys):
    from core.datasets.synthetic import SynthConfig, generate
    root = tmp_path / "set"
    generate(SynthConfig(tracks_per_genre=2, clip_seconds=1.0, seed=0, genres=("metal", "ambient")), root, n_jobs=1)
    assert main(["extract", str(root), "--scheduler", "local", "--jobs", "2", "--cache", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "audio extraction on the local Dask cluster at tcp://127.0.0.1:" in out and ", 2 workers" in out
    assert "audio: 4 extracted, 0 from cache, 0 failed" in out
