"""Profiles echodup.spark.deduplicate against echodup.deduplicate: wall time,
Spark jobs, stages and tasks run, at a few corpus sizes, and the fitted
fixed and per-article cost (T = a + b * N). Used for the numbers in SPARK.md.

    target/release/examples/bench_corpus --docs 50000 --seed 7 --no-stages --write c50000
    PYSPARK_PYTHON=python/target/venv/bin/python python/target/venv/bin/python \\
        python/examples/spark_profile.py c50000/corpus.jsonl 10000 50000

Each size is one run in a fresh job group of one local[2] session (started
once, warmed up on 500 articles), with ids 0..N-1 in file order; labels are
checked against the library row by row. Prints one JSON line per size (with
the CPU seconds of the driver, the JVM and the Python workers during the run,
from /proc) and a summary line with the fit (two sizes or more).
"""

import argparse
import importlib
import json
import os
import sys
import time
from typing import Any, Dict, List

from pyspark.sql import SparkSession

import echodup
from echodup import spark as es


def tree_cpu() -> float:
    """CPU seconds (user + system) used so far by this process and all its
    descendants (the JVM, the Python workers, and the children they reaped),
    from /proc: less sensitive to the machine's load than wall time. 0 off
    Linux."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: Dict[int, List[str]] = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stats[int(pid)] = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
    children: Dict[int, List[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(pid)
    total, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        fields = stats.get(pid)
        if fields is not None:
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        todo.extend(children.get(pid, []))
    return total / ticks


def stage_times(spark: SparkSession, stage_ids: List[int]) -> List[Dict[str, Any]]:
    """Per stage (from the Spark UI's REST API): name, tasks, executor run
    time and the JVM's CPU time in its tasks (the Python workers' not
    included), in seconds, and shuffle bytes."""
    import urllib.request

    sc = spark.sparkContext
    url = sc.uiWebUrl
    if not url:
        return []
    out = []
    for s in sorted(stage_ids):
        with urllib.request.urlopen(f"{url}/api/v1/applications/{sc.applicationId}/stages/{s}") as resp:
            attempts = json.load(resp)
        for a in attempts:
            if a.get("numCompleteTasks", 0) == 0:
                continue
            out.append({"stage": s, "name": a["name"].split(" at ")[0], "tasks": a["numCompleteTasks"],
                        "executor_s": round(a["executorRunTime"] / 1000, 2),
                        "jvm_cpu_s": round(a.get("executorCpuTime", 0) / 1e9, 2),
                        "shuffle_read_mb": round(a.get("shuffleReadBytes", 0) / 1e6, 1),
                        "shuffle_write_mb": round(a.get("shuffleWriteBytes", 0) / 1e6, 1)})
    return out


def job_times(spark: SparkSession, job_ids: List[int], start: float) -> List[Dict[str, Any]]:
    """Per job (from the Spark UI's REST API): name, when it was submitted
    (seconds after ``start``, a ``time.time()``), how long it ran, and its
    stages and tasks; the gaps between jobs are the driver's own time."""
    import datetime
    import urllib.request

    sc = spark.sparkContext
    url = sc.uiWebUrl
    if not url:
        return []

    def seconds(stamp: str) -> float:
        # "2026-12-01T22:10:03.123GMT"
        t = datetime.datetime.strptime(stamp.replace("GMT", ""), "%Y-%m-%dT%H:%M:%S.%f")
        return t.replace(tzinfo=datetime.timezone.utc).timestamp()

    out = []
    for j in sorted(job_ids):
        with urllib.request.urlopen(f"{url}/api/v1/applications/{sc.applicationId}/jobs/{j}") as resp:
            info = json.load(resp)
        begin = seconds(info["submissionTime"])
        end = seconds(info["completionTime"]) if info.get("completionTime") else begin
        out.append({"job": j, "name": info["name"].split(" at ")[0], "at_s": round(begin - start, 2),
                    "run_s": round(end - begin, 2), "stages": len(info.get("stageIds", [])),
                    "tasks": info.get("numCompletedTasks", 0)})
    return out


def run_once(spark: SparkSession, texts: List[str], group: str, config: echodup.Config,
             show_stages: bool = False, show_jobs: bool = False) -> Dict[str, Any]:
    sc = spark.sparkContext
    df = spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "id long, text string")
    df = df.repartition(2).persist()
    df.count()  # materialized outside the timing: the input is not the job
    sc.setJobGroup(group, group)
    cpu0 = tree_cpu()
    epoch = time.time()
    start = time.perf_counter()
    result = es.deduplicate(df, config)
    rows = result.labels.select("id", "cluster", "duplicate").collect()
    wall = time.perf_counter() - start
    cpu = tree_cpu() - cpu0
    tracker = sc.statusTracker()
    jobs = tracker.getJobIdsForGroup(group)
    stages = tasks = 0
    ran = []
    for j in jobs:
        info = tracker.getJobInfo(j)
        for s in info.stageIds if info else []:
            st = tracker.getStageInfo(s)
            if st is not None and st.numCompletedTasks > 0:
                stages += 1
                tasks += st.numCompletedTasks
                ran.append(s)
    if show_jobs:
        for jt in job_times(spark, jobs, epoch):
            print("  job " + json.dumps(jt), flush=True)
        print(f"  end at_s {wall:.2f}", flush=True)
    if show_stages:
        for st in stage_times(spark, ran):
            print("  stage " + json.dumps(st), flush=True)
    sc.setJobGroup("", "")
    result.unpersist()
    df.unpersist()
    # The library on the same texts, in the same order.
    lib_start, lib_cpu0 = time.perf_counter(), time.process_time()
    report = echodup.deduplicate(texts, config)
    lib_wall = time.perf_counter() - lib_start
    lib_cpu = time.process_time() - lib_cpu0
    dup = set(report.duplicates)
    first = {m: c.members[0] for c in report.clusters for m in c.members}
    ok = all(r["duplicate"] == (r["id"] in dup) and r["cluster"] == first.get(r["id"], r["id"]) for r in rows)
    return {"articles": len(texts), "spark_s": round(wall, 2), "spark_cpu_s": round(cpu, 1),
            "library_s": round(lib_wall, 3), "library_cpu_s": round(lib_cpu, 2), "jobs": len(jobs),
            "stages": stages, "tasks": tasks, "equal_to_library": ok and len(rows) == len(texts)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("sizes", type=int, nargs="+")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--shuffle-partitions", type=int, default=8)
    ap.add_argument("--module", default="echodup.spark", help="the module to profile (another version of it)")
    ap.add_argument("--stages", action="store_true", help="print each stage's tasks, executor time and shuffle bytes")
    ap.add_argument("--jobs", action="store_true",
                    help="print each job's start (seconds into the run), duration, stages and tasks")
    args = ap.parse_args()
    global es
    es = importlib.import_module(args.module)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with open(args.corpus, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    spark = (
        SparkSession.builder.master(args.master).appName("echodup-spark-profile")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    config = echodup.Config(passages=False)
    run_once(spark, texts[:500], "warmup", config)
    results = []
    for n in args.sizes:
        if n > len(texts):
            raise SystemExit(f"the corpus has {len(texts)} articles, fewer than {n}")
        r = run_once(spark, texts[:n], f"size-{n}", config, args.stages, args.jobs)
        print(json.dumps(r), flush=True)
        results.append(r)
    if len(results) >= 2:
        a, b = results[0], results[-1]
        per = (b["spark_s"] - a["spark_s"]) / (b["articles"] - a["articles"])
        lib_per = (b["library_s"] - a["library_s"]) / (b["articles"] - a["articles"])
        fixed = a["spark_s"] - per * a["articles"]
        cpu_per = (b["spark_cpu_s"] - a["spark_cpu_s"]) / (b["articles"] - a["articles"])
        lib_cpu_per = (b["library_cpu_s"] - a["library_cpu_s"]) / (b["articles"] - a["articles"])
        print(json.dumps({"fit": f"T = {fixed:.1f} s + {per * 1000:.3f} ms x N",
                          "library_fit_ms_per_article": round(lib_per * 1000, 4),
                          "ratio_per_article": round(per / lib_per, 1) if lib_per > 0 else None,
                          "cpu_fit": f"CPU = {a['spark_cpu_s'] - cpu_per * a['articles']:.1f} s + "
                                     f"{cpu_per * 1000:.3f} ms x N",
                          "library_cpu_ms_per_article": round(lib_cpu_per * 1000, 4),
                          "cpu_ratio_per_article": round(cpu_per / lib_cpu_per, 1) if lib_cpu_per > 0 else None}))
    spark.stop()


if __name__ == "__main__":
    main()
