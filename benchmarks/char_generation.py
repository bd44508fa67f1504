"""How fast does the shipped char model write 1,000 characters, against re-feeding the text?

For the shipped model (assets/char_rnn.keras, scripts/train_char_rnn.py) this measures, in
one run:
1. `charsample.generate`: read the prompt, then write LENGTH characters one at a time with
   the recurrent state carried from step to step (as the page does; median of REPEATS runs
   after one warm-up run that traces the step);
2. the naive way: for every new character, call the full model on the whole text so far and
   sample from its last position's logits (the model wrapped in one `tf.function` with a
   free length, so it is traced once: kinder to the naive way than `model.predict`, which
   pays its own overhead on each of the 1,000 calls);
and prints both times, the ratio (the issue's target: generation < 2 s and >= 10x faster
than re-feeding) and the machine's load. Both ways draw with the same seeded sampler, so
they must write the same text; the script checks that too.

Run:  python benchmarks/char_generation.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from explainers import chargen, charsample, lesson

PROMPT = "ROMEO:"
LENGTH = 1_000  # the figure
REPEATS = 5  # generation runs; the median is reported
SEED = 42
BUDGET_S = 2.0  # the bound for 1,000 characters
MIN_RATIO = 10.0  # ... and how much faster than re-feeding it must be


def refeed(model, vocab: chargen.CharVocab, prompt: str, length: int, temperature: float,
           seed: int) -> str:
    """Write `length` characters by running the whole model over all the text so far for
    each one: O(n²) cell steps, where carrying the state costs O(n)."""
    import tensorflow as tf

    whole = tf.function(lambda x: model(x, training=False),
                        input_signature=[tf.TensorSpec((1, None), tf.int32)])
    ids = list(vocab.encode(prompt))
    for _ in range(length):
        logits = whole(tf.constant([ids], tf.int32))[0, -1].numpy()  # (vocab,)
        ids.append(charsample.sample_next(logits, temperature, seed, len(ids) - 1))
    return vocab.decode(ids)


def main() -> int:
    if chargen.shipped_version() is None:
        print("assets/char_rnn.keras is missing: python scripts/train_char_rnn.py")
        return 1
    began = time.perf_counter()
    shipped = chargen.load_shipped()
    model, vocab, config = shipped.model, shipped.vocab, shipped.config
    print(f"model: {config.cell} {config.units} units, embedding {config.embedding_dim}, "
          f"loaded in {time.perf_counter() - began:.2f} s; prompt {PROMPT!r}, "
          f"{LENGTH:,} characters at T = {lesson.CHAR.temperature:g}")

    t0 = time.perf_counter()
    charsample.generate(model, vocab, PROMPT, LENGTH, lesson.CHAR.temperature, SEED)
    first = time.perf_counter() - t0
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        gen = charsample.generate(model, vocab, PROMPT, LENGTH, lesson.CHAR.temperature, SEED)
        times.append(time.perf_counter() - t0)
    generate_s = statistics.median(times)

    t0 = time.perf_counter()
    naive = refeed(model, vocab, PROMPT, LENGTH, lesson.CHAR.temperature, SEED)
    refeed_s = time.perf_counter() - t0

    ratio = refeed_s / generate_s
    same = naive == gen.text
    print(f"generate, state carried (first run, tracing): {first:8.2f} s")
    print(f"generate, state carried (median of {REPEATS}):     {generate_s:8.2f} s  "
          f"(min {min(times):.2f}, max {max(times):.2f}; "
          f"{generate_s / (LENGTH + len(PROMPT)) * 1e3:.2f} ms a character)")
    print(f"re-feeding the whole text for each character: {refeed_s:8.2f} s")
    print(f"ratio re-feeding / generate: {ratio:.0f}x")
    print(f"same text both ways: {same}")
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    ok = generate_s < BUDGET_S and ratio >= MIN_RATIO and same
    print("PASS" if ok else "FAIL", f"(generate < {BUDGET_S:g} s, ratio >= {MIN_RATIO:g}x, "
          "the same text)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
