"""Runs echodup.spark on a corpus in its own Spark session and prints the
result as JSON: used by test_spark.py to check a master (local-cluster) that
needs its own JVM, since one process holds one SparkContext.

    python spark_check.py MASTER CORPUS.jsonl DOCS
"""

import json
import sys

from pyspark.sql import SparkSession

import echodup
from echodup import spark as es


def main() -> None:
    master, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()][:n]
    spark = (
        SparkSession.builder.master(master)
        .appName("echodup-spark-check")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.executor.memory", "768m")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        df = spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "id long, text string").repartition(4)
        result = es.deduplicate(df, echodup.Config(), local_limit=0)
        labels = [(r["id"], r["cluster"], r["duplicate"]) for r in result.labels.collect()]
        executors = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
        print("RESULT " + json.dumps({"labels": labels, "stats": result.stats, "executors": executors}))
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
