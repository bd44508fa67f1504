"""How long does the SimpleRNN page's three-way padding demonstration take, and what does it say?

Runs the page's own work function, `padding.run_quick`, with the page's default settings
(`QuickJob(variant)`: `QuickConfig()`), for each padding variant in turn (post / pre /
post + mask), exactly as the page's Train buttons start them, in one process. It prints each
variant's wall time (the first one includes reading IMDB once, as the page's first job
does), the process's CPU time, test accuracy and training accuracy per epoch, the total
(target: under TARGET_SECONDS on a 2-core CPU), whether the answer is the lesson's story
(post stays near a coin toss, pre and post + mask clearly above it), and the machine's load
average, since the CPU is shared (with a load far above 2, wall time is mostly waiting).
`--cells` also times the LSTM and Bidirectional LSTM (post) of the BiLSTM demonstration.

Run:  RNN_EXPLAINER_DATA=/work/shared/data python benchmarks/padding_demo.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from explainers import padding

TARGET_SECONDS = 20.0  # the bound for the three variants together


def main() -> int:
    config = padding.QuickConfig()
    variants = list(padding.ALL_VARIANTS if "--cells" in sys.argv else padding.VARIANTS)
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} on {os.cpu_count()} CPUs")
    print(f"config: {config}")
    import tensorflow as tf  # imported before timing: a page's server has it loaded already

    tf.constant(0)
    results, total, cpu_total = {}, 0.0, 0.0
    for variant in variants:
        began, cpu = time.perf_counter(), time.process_time()
        result = padding.run_quick(padding.QuickJob(variant, config))
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        if variant in padding.VARIANTS:
            total, cpu_total = total + seconds, cpu_total + cpu
        results[variant] = result
        per_epoch = ", ".join(f"{a:.3f}" for a in result.history["accuracy"])
        print(f"{variant:>7}: {seconds:6.1f} s (CPU {cpu:5.1f} s)  test accuracy "
              f"{result.test_accuracy:.4f}  (train accuracy per epoch: {per_epoch})  "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    post = results["post"].test_accuracy
    fixed = min(results["pre"].test_accuracy, results["masked"].test_accuracy)
    story = abs(post - 0.5) < 0.06 and fixed - post > 0.1  # a coin toss vs clearly above
    print(f"  total: {total:6.1f} s (CPU {cpu_total:.1f} s) for post / pre / masked  "
          f"(target < {TARGET_SECONDS:.0f} s: {'met' if total < TARGET_SECONDS else 'NOT met'})")
    print(f"  story: post {post:.3f} vs the fixes >= {fixed:.3f}: "
          f"{'the failure and the fix' if story else 'NOT the lesson story'}")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0 if total < TARGET_SECONDS and story else 1


if __name__ == "__main__":
    sys.exit(main())
