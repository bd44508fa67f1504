"""Whose runs are whose: private by default, published to the class by their owner, never
opened, overwritten or deleted by anyone else (also not by a crafted id); foreign and damaged
files in the store are reported and skipped; a read-only or full disk on save, publish or
delete says so and changes nothing else."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explainers import data, models, paths, run_access, runs, training
from explainers.reviews import InputFormat

CONFIG = models.ModelConfig(vocab_size=20, embed_dim=3, body="lstm", units=2, mask_zero=True,
                            dense_units=0)
VOCAB = data.Vocabulary(tuple(f"w{i}" for i in range(1, 17)), num_words=20)
ALICE, BOB = run_access.session_owner(), run_access.session_owner()
LAB_PAGE = str(Path(__file__).resolve().parent.parent / "lessons" / "sentiment_lab.py")
TIMEOUT = 120  # the first run of a session may import TensorFlow


def _save(store: runs.RunStore, owner: str = run_access.CLASS, name: str = "a run") -> str:
    result = training.TrainResult(history={"loss": [0.7], "val_accuracy": [0.6]}, seconds=1.0,
                                  epochs_run=1, stopped=False, best_epoch=0)
    return store.save(models.build_model(CONFIG, seed=0), model_config=CONFIG, train_config={},
                      result=result, test_metrics={"loss": 0.7, "accuracy": 0.5, "reviews": 4},
                      input_format=InputFormat(VOCAB, 6), name=name, owner=owner)


def _ids(store: runs.RunStore, owner: str) -> list[str]:
    records, problems = store.list(owner)
    assert problems == []
    return sorted(r.run_id for r in records)


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under the store, by relative path: to prove that nothing else changed."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------- owners


def test_owner_ids_are_random_per_session_and_stable_per_signed_in_user():
    assert ALICE != BOB and all(run_access.OWNER_ID.match(o) for o in (ALICE, BOB))
    google = {"iss": "https://accounts.google.com", "sub": "1234", "email": "a@b.org"}
    same = run_access.user_owner(dict(google, name="renamed", email="new@b.org"))
    assert run_access.user_owner(google) == same  # the subject, not the e-mail, decides
    assert run_access.OWNER_ID.match(same) and same.startswith("user-")
    assert run_access.user_owner(dict(google, sub="1235")) != same
    assert run_access.user_owner(dict(google, iss="https://login.example")) != same
    by_mail = run_access.user_owner({"email": " A@B.org "})
    assert by_mail == run_access.user_owner({"email": "a@b.org"}) != same
    assert run_access.user_owner({"name": "no id"}) is None


def test_a_run_is_private_until_its_owner_publishes_it():
    store = runs.RunStore()
    mine = _save(store, ALICE)
    assert _ids(store, ALICE) == [mine]
    assert _ids(store, BOB) == [] and _ids(store, run_access.CLASS) == []
    for reader in (BOB, run_access.CLASS, "session-" + "0" * 32):
        with pytest.raises(run_access.RunUnavailable) as absent:
            store.load(mine, reader)
        assert absent.value.code == "absent" and isinstance(absent.value, KeyError)
        with pytest.raises(run_access.RunUnavailable):
            store.load_run(mine, reader)
        for change in (store.delete, store.publish):
            with pytest.raises(run_access.RunUnavailable):
                change(mine, reader)
    assert store.load(mine, ALICE).owner == ALICE  # all of it still there
    store.publish(mine, ALICE)
    assert _ids(store, BOB) == [mine] == _ids(store, run_access.CLASS)
    assert store.load_run(mine, BOB).record.published
    for change in (lambda: store.delete(mine, BOB), lambda: store.publish(mine, BOB, False)):
        with pytest.raises(run_access.RunUnavailable) as refused:
            change()
        assert refused.value.code == "not_yours"
    store.publish(mine, ALICE, published=False)
    assert _ids(store, BOB) == [] and _ids(store, ALICE) == [mine]
    store.delete(mine, ALICE)
    assert _ids(store, ALICE) == []


def test_runs_with_no_owner_are_the_class_and_nobody_can_change_them():
    store = runs.RunStore()
    legacy = _save(store)  # a script's or a test's run
    spec_path = store.root / legacy / runs.RUN_FILE
    spec = json.loads(spec_path.read_text())
    del spec["owner"], spec["published"]  # as run.json was written before runs had owners
    spec_path.write_text(json.dumps(spec))
    assert _ids(store, ALICE) == [legacy] == _ids(store, BOB)
    for owner in (ALICE, run_access.CLASS):
        with pytest.raises(run_access.RunUnavailable):
            store.delete(legacy, owner)
    assert (store.root / legacy).is_dir()


def test_crafted_ids_and_owners_reach_nothing():
    store = runs.RunStore()
    mine = _save(store, ALICE)
    outside = store.root.parent / "20261126-175800-3fa2c1"  # a run folder beside the store
    shutil.copytree(store.root / mine, outside)
    for bad in (f"../{outside.name}", f"{mine}/..", f"{mine}\n", f"/{mine}", "", "..", None):
        with pytest.raises(run_access.RunUnavailable) as refused:
            store.load(bad, ALICE)
        assert refused.value.code == "bad_id"
    with pytest.raises(ValueError):
        _save(store, owner="../alice")  # an owner id is never a path or free text
    spec_path = store.root / mine / runs.RUN_FILE
    spec = json.loads(spec_path.read_text())
    spec_path.write_text(json.dumps(dict(spec, owner=["not", "an", "id"])))
    with pytest.raises(runs.RunDamaged, match="owner"):
        store.load(mine, ALICE)


def test_a_save_never_replaces_an_existing_run(monkeypatch):
    store = runs.RunStore()
    first = _save(store, ALICE)
    before = _snapshot(store.root)
    ids = iter([first, "20990101-000000-abcdef"])  # the same id drawn again, then a new one
    monkeypatch.setattr(store, "new_id", lambda: next(ids))
    second = _save(store, BOB)
    assert second == "20990101-000000-abcdef"
    assert {k: v for k, v in _snapshot(store.root).items() if k.startswith(first)} == before
    assert store.load(first, ALICE).owner == ALICE


# --------------------------------------------------------------------------- damaged and foreign


def test_foreign_and_damaged_entries_are_reported_and_skipped(tmp_path):
    store = runs.RunStore()
    good, truncated, noisy = _save(store, ALICE), _save(store, ALICE), _save(store, ALICE)
    run_json = store.root / truncated / runs.RUN_FILE
    run_json.write_bytes(run_json.read_bytes()[:100])  # cut mid-write (not by this store)
    (store.root / "notes.txt").write_text("hello")  # foreign files in the runs folder
    (store.root / "not-a-run").mkdir()
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(store.root / good, elsewhere)
    (store.root / "20261126-175800-aaaaaa").symlink_to(elsewhere, target_is_directory=True)
    model = store.root / noisy / runs.MODEL_FILE
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])  # a truncated model
    records, problems = store.list(ALICE)
    assert sorted(r.run_id for r in records) == sorted([good, noisy])
    assert len(problems) == 4
    assert any(truncated in p and "damaged" in p for p in problems)
    for name in ("notes.txt", "not-a-run", "20261126-175800-aaaaaa"):
        assert any(name in p and "not a run" in p for p in problems), name
    with pytest.raises(run_access.RunUnavailable):
        store.load("20261126-175800-aaaaaa", ALICE)  # a symlink is never followed
    with pytest.raises(runs.RunDamaged, match=noisy):
        store.load_run(noisy, ALICE)  # the model's damage shows when it is loaded
    assert store.load_run(good, ALICE).record.run_id == good


# --------------------------------------------------------------------------- disk failures


def _writes_refused(folder: Path) -> bool:
    try:
        (folder / ".probe").touch()
    except PermissionError:
        return True
    (folder / ".probe").unlink()
    return False


def test_a_read_only_store_says_so_and_changes_nothing(monkeypatch):
    store = runs.RunStore()
    kept = _save(store, ALICE)
    before = _snapshot(store.root)
    store.root.chmod(0o555)  # read-only for the app...
    try:
        if not _writes_refused(store.root):  # ...unless it runs as root, who may write anyway:
            def refuse(*_args, **_kwargs):  # then the kernel's answer is played for it
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

            monkeypatch.setattr(runs.tempfile, "mkdtemp", refuse)
            monkeypatch.setattr(runs.os, "replace", refuse)
            monkeypatch.setattr(paths.tempfile, "mkstemp", refuse)
        with pytest.raises(run_access.StoreFailed) as failed:
            _save(store, ALICE)
        assert failed.value.code == "save_read_only" and "read-only" in str(failed.value)
        assert isinstance(failed.value, OSError) and failed.value.errno == errno.EACCES
        for change, action in ((lambda: store.delete(kept, ALICE), "delete"),
                               (lambda: store.publish(kept, ALICE), "publish")):
            with pytest.raises(run_access.StoreFailed) as failed:
                change()
            assert failed.value.code == "change_read_only", action
            assert kept in str(failed.value)
    finally:
        store.root.chmod(0o755)
    assert _snapshot(store.root) == before and _ids(store, ALICE) == [kept]


def test_a_full_disk_on_save_or_publish_says_so_and_loses_nothing(monkeypatch):
    store = runs.RunStore()
    kept = _save(store, ALICE)
    before = _snapshot(store.root)
    real_write = Path.write_text

    def full(self, *args, **kwargs):
        if self.name == runs.RUN_FILE:  # the last file of a run: the model is already written
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(run_access.StoreFailed) as failed:
        _save(store, ALICE)
    assert failed.value.code == "save_full" and "disk is full" in str(failed.value)
    assert _snapshot(store.root) == before  # no half run, no staging folder left behind
    assert sorted(p.name for p in store.root.iterdir()) == [kept]

    def full_bytes(path, payload):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(paths, "atomic_write_bytes", full_bytes)
    with pytest.raises(run_access.StoreFailed) as failed:
        store.publish(kept, ALICE)
    assert failed.value.code == "change_full"
    assert _snapshot(store.root) == before and not store.load(kept, ALICE).published


def test_store_failures_read_in_chinese(chinese):
    from lessons.i18n import explain

    error = run_access.StoreFailed("save", OSError(errno.ENOSPC, "No space left on device"))
    text = explain(error)
    assert "磁盘" in text and "No space left on device" in text
    assert "私有" in explain(run_access.RunUnavailable("absent", run_id="20261126-175800-3fa2c1"))


# --------------------------------------------------------------------------- pages


def _lab(owner: str | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(LAB_PAGE, default_timeout=TIMEOUT)
    if owner is not None:
        at.session_state["run_owner"] = owner
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def _table_ids(at: AppTest) -> list[str]:
    return at.dataframe[-1].value["run id"].tolist() if len(at.dataframe) > 1 else []


def test_the_lab_shows_each_session_its_own_runs_and_the_published_ones(no_data):
    store = runs.RunStore()
    mine, theirs = _save(store, ALICE, "alice's"), _save(store, BOB, "bob's")
    alice = _lab(ALICE)
    assert _table_ids(alice) == [mine] and alice.selectbox(key="lab_pick").value == mine
    assert "yours, private" in alice.dataframe[-1].value["whose"].tolist()
    assert not alice.button(key="lab_publish").disabled
    alice.button(key="lab_publish").click().run()
    assert not alice.exception, alice.exception
    assert store.load(mine, BOB).published
    assert alice.dataframe[-1].value["whose"].tolist() == ["yours, published"]
    bob = _lab(BOB)
    assert sorted(_table_ids(bob)) == sorted([mine, theirs])
    assert bob.selectbox(key="lab_pick").value == theirs  # the newest of one's own first
    newer = _save(store, BOB, "bob's newer")
    bob.run()
    assert bob.selectbox(key="lab_pick").value == newer  # a run just saved is picked
    bob.selectbox(key="lab_pick").set_value(mine).run()
    assert bob.button(key="lab_delete").disabled and bob.button(key="lab_publish").disabled
    assert bob.checkbox(key="lab_sure").disabled
    assert _table_ids(_lab()) == [mine]  # a new session: only the class's


def test_a_link_to_another_sessions_private_run_opens_nothing(no_data):
    store = runs.RunStore()
    private = _save(store, ALICE, "alice's lstm")

    def page():
        import streamlit as st

        from lessons.widgets import model_picker

        choice = model_picker.pick_model("Model", key="picker")
        st.write(f"picked {choice}")
        try:
            model_picker.trained_model(f"run:{st.query_params['model']}")
        except KeyError as error:
            st.write(f"refused: {error}")

    at = AppTest.from_function(page, default_timeout=TIMEOUT)
    at.session_state["run_owner"] = BOB
    at.session_state["picker"] = f"run:{private}"  # as a link (?model=run:...) would set it
    at.query_params["model"] = private
    at.run()
    assert not at.exception, at.exception
    assert f"run:{private}" not in at.selectbox(key="picker").options
    assert any("not offered here" in i.value for i in at.info)
    assert any("refused" in m.value and "private to someone else" in m.value
               for m in at.markdown)
    at.session_state["run_owner"] = ALICE
    at.run()
    assert not any("refused" in m.value for m in at.markdown)  # the owner opens it


def test_a_signed_in_user_has_the_same_runs_in_every_session(no_data):
    claims = {"is_logged_in": True, "iss": "https://id.example", "sub": "alice-1"}
    owner = run_access.user_owner(claims)
    store = runs.RunStore()
    hers = _save(store, owner, "alice's")
    first, second = _lab(user=claims), _lab(user=claims)  # two sessions, two session ids
    assert _table_ids(first) == [hers] == _table_ids(second)
    assert first.button(key="runs_logout")  # a Sign-out button where login is set up
    other = _lab(user=dict(claims, sub="bob-2"))
    assert _table_ids(other) == []
    signed_out = _lab(user={"is_logged_in": False})
    assert _table_ids(signed_out) == [] and signed_out.button(key="runs_login")


def test_a_full_disk_when_the_lab_saves_says_so_and_keeps_the_other_runs(tiny_imdb, monkeypatch):
    from explainers import live

    store = runs.RunStore()
    kept = _save(store, ALICE, "kept")
    before = _snapshot(store.root)
    real_write = Path.write_text

    def full(self, *args, **kwargs):
        if self.name == runs.RUN_FILE:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    at = _lab(ALICE)
    at.button(key="lab_train").click().run()
    job = at.session_state["lab_job"]
    job.join(timeout=120)
    assert job.snapshot().phase == live.Phase.FAILED
    at.run()
    assert not at.exception, at.exception
    assert any("Training failed" in e.value and "disk is full" in e.value for e in at.error)
    assert _snapshot(store.root) == before and _table_ids(at) == [kept]
