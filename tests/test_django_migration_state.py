"""The model state a Django migration's AlterField is compared with: the field changes of
the earlier migrations of its folder, read once per folder in name order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import server_env

from backend_architect.core.document import Document
from backend_architect.orm_migrations import django

HEAD = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"


def migration(*ops: str) -> str:
    return HEAD + "    operations = [\n" + "".join(f"        {op},\n" for op in ops) + "    ]\n"


CREATE = migration(
    'migrations.CreateModel(name="Post", fields=[("id", models.BigAutoField(primary_key=True)),'
    ' ("views", models.IntegerField(default=0))])'
)
ADD = migration('migrations.AddField(model_name="post", name="score", field=models.IntegerField(null=True))')
ALTER = migration(
    'migrations.AlterField(model_name="post", name="views", field=models.BigIntegerField(default=0))',
    'migrations.AlterField(model_name="post", name="score", field=models.IntegerField(null=False, default=0))',
)


def write_app(root: Path) -> Path:
    folder = root / "blog" / "migrations"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "0001_initial.py").write_text(CREATE)
    (folder / "0002_score.py").write_text(ADD)
    (folder / "0003_alter.py").write_text(ALTER)
    return folder


def check_alter_rules(folder: Path) -> list[tuple[str, str]]:
    """(file name, code) of MG005/MG006 findings of a ``check`` of ``folder``, sorted."""
    r = subprocess.run(
        [sys.executable, "-m", "backend_architect", "check", "--output-format", "json",
         "--no-cache", "--exit-zero", "--jobs", "1", "--select", "MG005,MG006", "."],
        capture_output=True, text=True, cwd=folder, env=server_env(), timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return sorted((Path(f["filename"]).name, f["code"]) for f in json.loads(r.stdout))


def test_cli_compares_alter_field_with_the_earlier_migrations(tmp_path: Path):
    write_app(tmp_path)
    found = check_alter_rules(tmp_path)
    # views: integer (0001) -> bigint; score: nullable (0002) -> NOT NULL
    assert found == [("0003_alter.py", "MG005"), ("0003_alter.py", "MG006")]


def test_state_follows_the_folder_in_order_and_sees_a_changed_file(tmp_path: Path):
    folder = write_app(tmp_path)
    first = django.app_state(str(folder / "0002_score.py"))
    assert first == {("post", "id"): ("bigserial", False), ("post", "views"): ("integer", False)}
    third = django.app_state(str(folder / "0003_alter.py"))  # continues from the one before
    assert third == {**first, ("post", "score"): ("integer", True)}
    third[("post", "views")] = ("text", False)  # the caller's copy: the kept state is unchanged
    assert django.app_state(str(folder / "0003_alter.py"))[("post", "views")] == ("integer", False)
    # an earlier migration edited on disk: the state is read again from it
    changed = folder / "0001_initial.py"
    changed.write_text(CREATE.replace("IntegerField(default=0)", "TextField(default='')"))
    st = changed.stat()
    os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert django.app_state(str(folder / "0003_alter.py"))[("post", "views")] == ("text", False)


def test_an_analysed_migration_is_remembered_only_as_saved(tmp_path: Path):
    folder = write_app(tmp_path)
    path = folder / "0002_score.py"
    # an editor's unsaved text (not what the file holds) must not stand for the file
    unsaved = Document(ADD.replace('name="score"', 'name="rank"'), path=str(path))
    django.DjangoMigration(unsaved).regions()
    assert ("post", "rank") not in django.app_state(str(folder / "0003_alter.py"))
    saved = Document(ADD, path=str(path))
    django.DjangoMigration(saved).regions()
    assert django._STATE_CACHE.get(os.path.abspath(path))[1] == {("post", "score"): ("integer", True)}
    assert ("post", "score") in django.app_state(str(folder / "0003_alter.py"))


CHECKED = migration(
    'migrations.RunSQL("ALTER TABLE blog_post ADD CONSTRAINT score_nn CHECK (score IS NOT NULL) NOT VALID")',
    'migrations.RunSQL("ALTER TABLE blog_post VALIDATE CONSTRAINT score_nn")',
)
SET_NOT_NULL = migration(
    'migrations.AlterField(model_name="post", name="score", field=models.IntegerField(null=False, default=0))',
)


def check_json(root: Path, *args: str) -> list:
    r = subprocess.run(
        [sys.executable, "-m", "backend_architect", "check", "--output-format", "json",
         "--no-cache", "--exit-zero", "--jobs", "1", *args, "."],
        capture_output=True, text=True, cwd=root, env=server_env(), timeout=120,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_set_not_null_proven_by_an_earlier_migration(tmp_path: Path):
    """MG006 reads the CHECK constraints of the folder's earlier migrations (each file's
    operations once, again when it or a file before it changes)."""
    from backend_architect.rules.migration import set_not_null

    folder = write_app(tmp_path)
    (folder / "0003_alter.py").write_text(CHECKED)
    (folder / "0004_not_null.py").write_text(SET_NOT_NULL)
    assert not [f for f in check_json(tmp_path, "--select", "MG006") if "0004" in f["filename"]]
    earlier = set_not_null._earlier_code_statements(str(folder / "0004_not_null.py"))
    assert [st.kind for st in earlier] == ["AlterTableStmt", "AlterTableStmt"]
    # the constraint taken out of the earlier migration: the SET NOT NULL is reported again
    changed = folder / "0003_alter.py"
    changed.write_text(ADD)
    st = changed.stat()
    os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert set_not_null._earlier_code_statements(str(folder / "0004_not_null.py")) == []
    found = [f["code"] for f in check_json(tmp_path, "--select", "MG006") if "0004" in f["filename"]]
    assert found == ["MG006"]


def test_a_still_block_asks_for_each_earlier_time_stamp_once(tmp_path: Path, monkeypatch):
    from backend_architect.core.files import held_still

    folder = write_app(tmp_path)
    for i in range(4, 12):
        (folder / f"{i:04d}_more.py").write_text(ADD.replace('"score"', f'"extra{i}"'))
    names = sorted(p.name for p in folder.glob("0*.py"))
    asked: list[str] = []
    real_stat = os.stat

    def counting_stat(path, *args, **kwargs):
        if str(path).startswith(str(folder)) and str(path).endswith(".py"):
            asked.append(os.path.basename(path))
        return real_stat(path, *args, **kwargs)

    def states() -> list[dict]:
        return [django.app_state(str(folder / name)) for name in names]

    monkeypatch.setattr(os, "stat", counting_stat)
    outside = states()  # outside a block every call asks for every earlier file's
    assert len(asked) == sum(range(len(names)))
    asked.clear()
    with held_still():
        inside = states()
    assert inside == outside
    assert sorted(asked) == names[:-1]  # each earlier migration once
    # a new block trusts nothing of the last one: an edited migration is read again
    changed = folder / "0001_initial.py"
    changed.write_text(CREATE.replace("IntegerField(default=0)", "TextField(default='')"))
    st = real_stat(changed)
    os.utime(changed, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    with held_still():
        assert states()[1][("post", "views")] == ("text", False)
    with held_still(on=False):  # a check that writes (fixes) is no still block
        assert django.app_state(str(folder / names[1]))[("post", "views")] == ("text", False)


def test_an_alter_field_sees_the_fields_added_earlier_in_its_own_file(tmp_path: Path):
    """The earlier migrations are read when an AlterField asks; the file's own operations
    before it count on top of them."""
    folder = tmp_path / "blog" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0001_initial.py").write_text(CREATE)
    (folder / "0002_both.py").write_text(migration(
        'migrations.AddField(model_name="post", name="score", field=models.IntegerField(null=True))',
        'migrations.AlterField(model_name="post", name="score", field=models.IntegerField(null=False, default=0))',
        'migrations.AlterField(model_name="post", name="views", field=models.BigIntegerField(default=0))',
    ))
    found = check_alter_rules(tmp_path)
    assert found == [("0002_both.py", "MG005"), ("0002_both.py", "MG006")]


def test_a_pending_migration_reads_the_applied_ones_the_run_did_not_analyse(tmp_path: Path):
    """Applied migrations (committed on the main line) have no SQL rule on in a default run,
    so their operations are not read; the pending migration after them still compares its
    AlterField with the fields they leave."""
    folder = tmp_path / "blog" / "migrations"
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "0001_initial.py").write_text(CREATE)
    (folder / "0002_score.py").write_text(ADD)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@e"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=tmp_path, check=True)
    (folder / "0003_alter.py").write_text(ALTER)

    def run(*extra: str) -> list[tuple[str, str]]:
        r = subprocess.run(
            [sys.executable, "-m", "backend_architect", "check", "--output-format", "json",
             "--no-cache", "--exit-zero", "--jobs", "1", *extra, "."],
            capture_output=True, text=True, cwd=tmp_path, env=server_env(), timeout=120,
        )
        assert r.returncode == 0, r.stderr
        return sorted((Path(f["filename"]).name, f["code"]) for f in json.loads(r.stdout)
                      if f["code"] in ("MG005", "MG006"))

    assert run() == [("0003_alter.py", "MG005"), ("0003_alter.py", "MG006")]
    assert run("--include-history") == [("0003_alter.py", "MG005"), ("0003_alter.py", "MG006")]
