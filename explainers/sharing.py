"""Do a cluster's workers see the server's folders? A check for a school's own Dask cluster.

A training on a worker saves its run under the runs folder (`paths.home_dir`) and the match
index under the cache (`paths.cache_dir`); the server then opens them from its own disk. On
the embedded LocalCluster they are one machine's folders. On a cluster of other machines
(`RNN_EXPLAINER_SCHEDULER`) they must be shared folders mounted at the same paths, or a
student's run trains, saves and then cannot be found (the README says so).

`check(client)` proves it rather than trusting it: the server writes a fresh mark file into
each of its folders, every worker looks for it in its own folders of the same names (as the
environment there sets them), and the folders where a worker does not find it come back as
`Unshared(worker, folder, path)`. `workers.warm_up` runs it on a remote cluster and logs a
warning naming them; a teacher can run it by hand before a class:

    RNN_EXPLAINER_SCHEDULER=tcp://host:8786 python -m explainers.sharing
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from explainers import paths

MARK = ".rnn-explainer-shared-{token}"  # the mark file's name, unique per check


def folders() -> dict[str, Path]:
    """The folders the server and its workers must share: name -> this process's path."""
    return {"runs": paths.home_dir(), "cache": paths.cache_dir()}


@dataclass(frozen=True)
class Unshared:
    """A folder one worker does not see as the server does."""

    worker: str  # the worker's Dask address
    folder: str  # a name of `folders()`
    path: str  # that folder on the worker, where the server's mark is not

    def __str__(self) -> str:
        return (f"worker {self.worker}: its {self.folder} folder {self.path} is not the "
                f"server's")


def _unseen(mark: str) -> dict[str, str]:  # run on each worker: {name: its path} lacking it
    return {name: str(folder) for name, folder in folders().items()
            if not (folder / mark).is_file()}


def check(client) -> list[Unshared]:
    """The folders some worker of `client`'s cluster does not share with this process."""
    token = secrets.token_hex(8)
    marks = {name: folder / MARK.format(token=token) for name, folder in folders().items()}
    for mark in marks.values():
        mark.write_text(token)
    try:
            unseen = client.run(_unseen, MARK.format(token=token))
    finally:
        for mark in marks.values():
            mark.unlink(missing_ok=True)
    return [Unshared(worker, name, path)
            for worker, missing in sorted(unseen.items()) for name, path in missing.items()]


def main() -> int:
    from explainers import workers

    problems = check(workers.client())
    for problem in problems:
        print(problem)
    if not problems:
        print("every worker shares the runs and cache folders with this machine")
    workers.close()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
