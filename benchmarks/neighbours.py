"""Neighbour queries over all 400,000 GloVe words: our `WordVectors` against gensim's
`KeyedVectors.most_similar`, built from the same vectors, in the same run.

Issue 12: ours must stay at or below gensim's, idle and while two other processes are busy.
Each round asks both libraries the same questions, in alternating order, so a busy moment
hits both alike: the nearest 10 words of a word (`neighbours` vs `most_similar(word)`), and
an expression (`algebra.solve` of `b - a + c` vs `most_similar(positive=[b, c],
negative=[a])`). Prints median and p95 in milliseconds per library and condition, the ratio
ours / gensim, how often the two lists agree, and the load average. gensim is a benchmark
dependency only (requirements-dev.txt).

    python benchmarks/neighbours.py [--repeats 30] [--load numpy|pages|both]

`--load numpy`: the busy processes each multiply matrices in a loop (one BLAS thread each);
`--load pages`: each reruns the GloVe explorer under AppTest with a new word every run (a
session asking real questions). The machine may be shared, so contended figures are read as
a pair: the ratio is what the issue asks about.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.proc import percentile  # noqa: E402
from explainers import algebra, embeddings  # noqa: E402

K = 10  # answers per query, the explorer's default
WORDS = ("king", "movie", "great", "awful", "paris", "computer", "river", "happy", "frog",
         "music", "doctor", "winter")  # varied frequencies and topics
SUMS = (("man", "king", "woman"), ("france", "paris", "japan"), ("good", "better", "bad"),
        ("walk", "walking", "swim"))  # (a, b, c): b - a + c
BUSY = {  # the loop each busy process runs until it is stopped
    "numpy": ("import numpy as np\na = np.random.rand(400, 400)\n"
              "while True:\n    a = np.tanh(a @ a)"),
    "pages": (
        "import sys\nsys.path.insert(0, {root!r})\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from explainers import embeddings\n"
        "words = embeddings.load_glove().vectors.words[1000:]\n"
        "at = AppTest.from_file({page!r}, default_timeout=300).run()\n"
        "for i in range(0, len(words), 7):\n"
        "    at.session_state['nb_word'] = words[i]\n"
        "    at.run()\n"
    ),
}


@contextmanager
def busy(kind: str | None, n: int = 2):
    """`n` processes running the `kind` loop while the block runs (none for None)."""
    if kind is None:
        yield
        return
    code = BUSY[kind].format(root=str(ROOT), page=str(ROOT / "lessons" / "glove_explorer.py"))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _i in range(n)]
    try:
        time.sleep(3 if kind == "numpy" else 25)  # let them get going (pages load GloVe)
        alive = sum(p.poll() is None for p in procs)
        print(f"  {alive} busy '{kind}' processes running (pids "
              f"{', '.join(str(p.pid) for p in procs)})")
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


def gensim_vectors(glove: embeddings.WordVectors):
    """gensim's KeyedVectors holding GloVe's original vectors, their norms computed once (as
    `most_similar` would on its first call)."""
    from gensim.models import KeyedVectors

    raw = glove.unit * glove.norms[:, None]  # (400000, 50) the vectors as GloVe ships them
    kv = KeyedVectors(glove.dim, dtype=np.float32)
    kv.add_vectors(glove.words, raw)  # (a `count` here would add empty rows before these)
    kv.fill_norms()
    assert len(kv) == len(glove) and kv.vectors.shape == raw.shape
    return kv


def rounds(glove, kv, repeats: int) -> dict[str, dict[str, np.ndarray]]:
    """Milliseconds per query: {"word" | "sum": {"ours" | "gensim": (repeats * n,)}},
    and how many answer lists agreed."""
    expressions = {s: algebra.parse(f"{s[1]} - {s[0]} + {s[2]}") for s in SUMS}
    cases = {
        "word": [(lambda w=w: glove.neighbours(w, K), lambda w=w: kv.most_similar(w, topn=K))
                 for w in WORDS],
        "sum": [(lambda e=expressions[s]: algebra.solve(glove, e, K),
                 lambda s=s: kv.most_similar(positive=[s[1], s[2]], negative=[s[0]], topn=K))
                for s in SUMS],
    }
    times = {case: {"ours": [], "gensim": []} for case in cases}
    agree = {case: 0 for case in cases}
    for r in range(repeats):
        for case, pairs in cases.items():
            for i, (ours, theirs) in enumerate(pairs):
                order = (("ours", ours), ("gensim", theirs))
                answers = {}
                for name, ask in order if (r + i) % 2 else order[::-1]:
                    began = time.perf_counter()
                    answers[name] = ask()
                    times[case][name].append((time.perf_counter() - began) * 1000)
                if r == 0:
                    agree[case] += ([m.word for m in answers["ours"]]
                                    == [w for w, _s in answers["gensim"]])
    print("  answers identical: " + ", ".join(
        f"{case} {agree[case]}/{len(pairs)}" for case, pairs in cases.items()))
    return {case: {name: np.asarray(ms) for name, ms in by.items()}
            for case, by in times.items()}


def report(label: str, times: dict[str, dict[str, np.ndarray]]) -> None:
    for case, by in times.items():
        med = {name: float(np.median(ms)) for name, ms in by.items()}
        p95 = {name: percentile(list(ms), 0.95) for name, ms in by.items()}
        print(f"  {label:22s} {case:4s}  ours median {med['ours']:6.2f} ms  p95 "
              f"{p95['ours']:6.2f} ms | gensim median {med['gensim']:6.2f} ms  p95 "
              f"{p95['gensim']:6.2f} ms | ours/gensim median {med['ours'] / med['gensim']:.2f}"
              f"  p95 {p95['ours'] / p95['gensim']:.2f}  (n={len(by['ours'])})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--load", choices=("numpy", "pages", "both"), default="numpy")
    args = parser.parse_args()
    import gensim

    print(f"numpy {np.__version__}, gensim {gensim.__version__}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()}")
    glove = embeddings.load_glove().vectors
    kv = gensim_vectors(glove)
    print(f"{len(glove):,} words x {glove.dim} dims in both; k = {K}")
    loads = [None, *(("numpy", "pages") if args.load == "both" else (args.load,))]
    np.seterr(all="ignore")  # gensim divides by the norm of GloVe's all-zero rows
    rounds(glove, kv, 2)  # warm-up: caches, page faults, BLAS threads
    for load in loads:
        label = "idle" if load is None else f"2 busy ({load})"
        print(f"{label}:")
        with busy(load):
            report(label, rounds(glove, kv, args.repeats))
        print(f"  load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
