"""Ray engine on a real two-node Ray cluster on this host, against one-process classify.

Steps:
1. Generate a synthetic corpus (template sentences, never real articles) as Parquet
   shards, and the same rows as one JSONL file for the one-process CLI.
2. One process: ``files.classify_file`` (what ``conflictnlp classify --input`` runs) on
   the JSONL, ONNX Runtime on every core.
3. Start a head node and a second node with ``ray start``, each pinned to its own core
   (``taskset``) so that the cluster has the cores the one process had.
4. Model distribution: on each node, time fetching the model from the object store and
   loading it, against loading it from a shared path (the driver's ONNX cache).
5. Ray run: ``classify_files`` (what ``classify --engine ray`` runs), one replica per
   node; peak memory of every replica sampled from /proc.
6. The same run with one replica killed (SIGKILL) midway; check every id exactly once.
7. Stop the cluster: only the processes of this cluster (its own temp dir), by pid.

Run: ``.venv/bin/python benchmarks/scaling.py [--sentences 200000]``
(writes docs/results/scaling.json; docs/scaling.md summarises it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _machine import describe_machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "results"
RAY = str(Path(sys.executable).parent / "ray")
PORT = 6391
TEMP_DIR = "/tmp/ray-scaling"  # this cluster's processes carry it; see stop_cluster()

# Synthetic wire-copy sentences: slots filled at random from short lists.
TEMPLATES = [
    "{armed} shelled {place} on {day}, {source} said.",
    "Drones struck a {site} near {place} overnight, {source} said.",
    "At least {n} people were killed and {m} wounded in {place} on {day}.",
    "The death toll from the strike on {place} rose to {n}, {source} said.",
    "Foreign ministers met in {city} on {day} for talks on a ceasefire in {place}.",
    "The envoy flew to {city} to press both sides to extend the truce.",
    "{side} accused {armed} of shelling a {site} in {place}.",
    "{armed} denied carrying out the attack on the {site} near {place}.",
    "Aid agencies warned of shortages of food and fuel in {place}.",
    "Schools in {place} reopened on {day} after {n} weeks of closures.",
]
SLOTS = {
    "armed": ["Rebels", "Government forces", "Militants", "The militia", "Separatists"],
    "place": ["Kavalne", "the border town", "the northern province", "Dorvik", "Sarent"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    "source": ["officials", "the regional governor", "a military spokesman", "witnesses"],
    "site": ["market", "fuel depot", "power station", "grain warehouse", "hospital"],
    "city": ["Geneva", "Doha", "Vienna", "Nairobi", "Oslo"],
    "side": ["The army", "The interior ministry", "A rebel commander", "The government"],
}


def make_corpus(folder: Path, sentences: int, shards: int) -> tuple[Path, Path]:
    """Parquet shards (``id``, ``text``, ``outlet``) and one JSONL file of the same rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(12)
    ids, texts, outlets = [], [], []
    for i in range(sentences):
        fill = {k: rng.choice(v) for k, v in SLOTS.items()}
        fill.update(n=rng.randint(2, 90), m=rng.randint(2, 200))
        ids.append(f"s{i:07d}")
        texts.append(rng.choice(TEMPLATES).format(**fill))
        outlets.append(f"outlet-{i % 7}")
    shard_dir = folder / "shards"
    shard_dir.mkdir(parents=True)
    step = -(-sentences // shards)
    for k in range(shards):
        part = slice(k * step, (k + 1) * step)
        table = pa.table({"id": ids[part], "text": texts[part], "outlet": outlets[part]})
        pq.write_table(table, shard_dir / f"part-{k:03d}.parquet")
    jsonl = folder / "all.jsonl"
    with jsonl.open("w") as f:
        for row in zip(ids, texts, outlets, strict=True):
            f.write(json.dumps(dict(zip(("id", "text", "outlet"), row, strict=True))) + "\n")
    return shard_dir, jsonl


def one_process(jsonl: Path, out: Path) -> dict:
    from conflictnlp.inference.classifier import Classifier
    from conflictnlp.inference.files import classify_file

    clf = Classifier.from_pretrained("default", backend="onnx")
    start = time.perf_counter()
    summary = classify_file(clf, jsonl, out, progress=False)
    seconds = time.perf_counter() - start
    return {"rows": summary.rows, "seconds": seconds, "sentences_per_s": summary.rows / seconds}


def start_cluster() -> str:
    """Two nodes, each pinned to one core.

    The head node declares 2 logical CPUs, the other 1: three in all, so that the default
    pool of ``classify_dataset`` (every CPU but one) is two replicas, one per node, and
    the spare logical CPU runs Ray Data's read, repartition and write tasks.
    """
    common = ["--object-store-memory=1000000000", "--disable-usage-stats"]
    head = [RAY, "start", "--head", f"--port={PORT}", f"--temp-dir={TEMP_DIR}", "--num-cpus=2"]
    head += ["--include-dashboard=false", *common]
    subprocess.run(["taskset", "-c", "0", *head], check=True, capture_output=True)
    address = f"127.0.0.1:{PORT}"
    worker = [RAY, "start", f"--address={address}", "--num-cpus=1", *common]
    subprocess.run(["taskset", "-c", "1", *worker], check=True, capture_output=True)
    return address


def cluster_pids() -> list[int]:
    """Every process of this cluster: those naming its temp dir, and their descendants."""
    parents: dict[int, int] = {}
    roots = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            parents[int(entry.name)] = int(
                (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
            )
        except (OSError, ValueError, IndexError):
            continue
        if TEMP_DIR in cmd or re.search(rf":{PORT}\b", cmd):
            roots.add(int(entry.name))
    found = set(roots)
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return sorted(found - {os.getpid()})


def stop_cluster() -> int:
    pids = cluster_pids()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        time.sleep(3)
    return len(pids)


def replica_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmd.startswith(b"ray::MapWorker(MapBatches(BatchLabeler))"):
                pids.append(int(entry.name))
    return pids


class MemorySampler(threading.Thread):
    """Peak RSS (VmHWM) of every replica process, sampled twice a second."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in replica_pids():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                hwm = next((line for line in status.splitlines() if line.startswith("VmHWM")), None)
                if hwm:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), int(hwm.split()[1]) / 1024)
            self.stop.wait(0.5)


def model_distribution(ray) -> dict:
    """Per node: object store fetch + load, against a load from the driver's cache path."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from conflictnlp.distributed.model_shipping import load_model, pack_model
    from conflictnlp.inference.classifier import Classifier
    from conflictnlp.inference.onnx_backend import ensure_onnx_model

    start = time.perf_counter()
    bundle = pack_model("default")
    packed = time.perf_counter()
    ref = ray.put(bundle)
    put = time.perf_counter() - packed
    onnx_path = str(ensure_onnx_model(Classifier.from_pretrained("default").model_dir))

    @ray.remote(num_cpus=1)
    def on_node(refs: list, path: str) -> dict:
        import time

        from conflictnlp.inference.encoding import SentenceEncoder
        from conflictnlp.inference.model_files import shipped_model_dir
        from conflictnlp.inference.onnx_backend import OnnxBackend

        t0 = time.perf_counter()
        got = ray.get(refs[0])
        t1 = time.perf_counter()
        clf = load_model(got, threads=1)
        t2 = time.perf_counter()
        OnnxBackend(Path(path), threads=1)
        SentenceEncoder(shipped_model_dir() / "tokenizer.json", clf.max_length)
        t3 = time.perf_counter()
        clf.predict("Talks resumed in Doha.")
        return {"fetch_s": t1 - t0, "load_s": t2 - t1, "shared_path_load_s": t3 - t2}

    nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"]]
    results = []
    for node in nodes:
        strategy = NodeAffinitySchedulingStrategy(node_id=node, soft=False)
        timing = ray.get(on_node.options(scheduling_strategy=strategy).remote([ref], onnx_path))
        results.append({"node": node[:8], **timing})
    return {
        "bundle_mb": bundle.nbytes / 1e6,
        "driver_pack_s": packed - start,
        "driver_put_s": put,
        "per_node": results,
    }


def ray_run(address: str, shards: Path, out: Path, kill_after_s: float | None) -> dict:
    from conflictnlp.distributed import classify_files

    sampler = MemorySampler()
    sampler.start()
    killed: dict = {}

    def killer() -> None:
        time.sleep(kill_after_s or 0)
        pids = replica_pids()
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            killed.update(pid=pids[0], at_s=kill_after_s)

    if kill_after_s is not None:
        threading.Thread(target=killer, daemon=True).start()
    start = time.perf_counter()
    summary = classify_files(shards, out, address=address)
    seconds = time.perf_counter() - start
    sampler.stop.set()
    return {
        "rows": summary.outputs,
        "errors": summary.errors,
        "files": summary.files,
        "seconds": seconds,
        "sentences_per_s": summary.outputs / seconds,
        "replica_peak_rss_mb": sorted(round(v, 1) for v in sampler.peaks.values()),
        "replica_processes_seen": len(sampler.peaks),
        "killed": killed,
    }


def check_ids(out: Path, expected: int) -> dict:
    import pyarrow.parquet as pq

    ids = [
        i
        for f in sorted(out.glob("*.parquet"))
        for i in pq.read_table(f, columns=["id"])["id"].to_pylist()
    ]
    want = {f"s{i:07d}" for i in range(expected)}
    return {
        "output_rows": len(ids),
        "distinct_ids": len(set(ids)),
        "every_id_exactly_once": len(ids) == len(set(ids)) == expected and set(ids) == want,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=200_000)
    parser.add_argument("--shards", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = Path(tempfile.mkdtemp(prefix="conflictnlp-scaling-"))
    # A fresh cache, so that the driver's one-time export is part of the measurement.
    os.environ["CONFLICTNLP_CACHE"] = str(work / "cache")
    result: dict = {"machine": describe_machine(), "sentences": args.sentences}
    try:
        shards, jsonl = make_corpus(work, args.sentences, args.shards)
        print("corpus ready", flush=True)
        result["one_process"] = one_process(jsonl, work / "one.jsonl")
        print("one process:", result["one_process"], flush=True)
        # The head enables token authentication and keeps the token in ~/.ray; the second
        # node and this driver read it from there once told to use tokens.
        os.environ["RAY_AUTH_MODE"] = "token"
        address = start_cluster()
        import ray

        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        result["cluster"] = {
            "nodes": len([n for n in ray.nodes() if n["Alive"]]),
            "cpus": ray.cluster_resources().get("CPU"),
        }
        result["model_distribution"] = model_distribution(ray)
        print("model distribution:", result["model_distribution"], flush=True)
        run = ray_run(address, shards, work / "out", None)
        run["ids"] = check_ids(work / "out", args.sentences)
        result["ray"] = run
        print("ray:", run, flush=True)
        kill_at = run["seconds"] / 2
        killed = ray_run(address, shards, work / "out-killed", kill_at)
        killed["ids"] = check_ids(work / "out-killed", args.sentences)
        result["ray_killed_worker"] = killed
        print("ray, one replica killed:", killed, flush=True)
        result["ray_vs_one_process"] = (
            run["sentences_per_s"] / result["one_process"]["sentences_per_s"]
        )
        ray.shutdown()
    finally:
        result["stopped_processes"] = stop_cluster()
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scaling.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
