"""docker-compose.yml and the Dockerfile, checked without a Docker engine: the services, their
commands, the shared settings, health checks, and the build and start steps that can run here."""

import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ["migrate", "web", "worker", "beat"]
LONG_RUNNING = ["web", "worker", "beat"]
SECRET = "compose-test-secret-" + "k" * 40


def load_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


class MissingVariable(Exception):
    pass


_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


def interpolate(value, env: dict[str, str]):
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} substitution, and $$ → $."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        current = env.get(match["name"], "")
        if match["op"] == ":-":
            return current or match["arg"]
        if match["op"] == ":?" and not current:
            raise MissingVariable(f"{match['name']}: {match['arg']}")
        return current

    return _VARIABLE.sub(substitute, value).replace("$$", "$")


def compose_with(**env: str) -> dict:
    return interpolate(load_compose(), env)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        instructions.append((keyword.upper(), args.strip()))
    return instructions


def dockerfile(keyword: str) -> list[str]:
    return [args for kw, args in dockerfile_instructions() if kw == keyword]


# --- compose: services and what they run -----------------------------------------------------


def test_compose_has_the_stack_services():
    services = load_compose()["services"]

    assert set(services) == {"web", "worker", "beat", "postgres", "redis", "migrate"}
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"


def test_app_services_share_one_anchor_for_image_and_environment():
    services = load_compose()["services"]
    web = services["web"]

    for name in APP_SERVICES:
        service = services[name]
        # an alias of the same YAML anchor loads as the very same object
        assert service["environment"] is web["environment"], name
        assert service["image"] == web["image"]
        assert service["build"] == web["build"] == "."


def test_web_runs_the_image_command_gunicorn_on_poverty_wsgi():
    web = load_compose()["services"]["web"]
    cmd = web.get("command") or image_cmd()

    assert cmd[0] == "gunicorn"
    assert "poverty.wsgi:application" in cmd
    assert "0.0.0.0:8000" in cmd
    assert web["ports"] == ["${WEB_PORT:-8000}:8000"]


def test_worker_and_beat_run_celery_for_the_poverty_app():
    services = load_compose()["services"]

    assert services["worker"]["command"][:6] == ["celery", "-A", "poverty", "worker", "-l", "info"]
    assert services["beat"]["command"][:6] == ["celery", "-A", "poverty", "beat", "-l", "info"]
    # beat keeps its schedule file where the unprivileged user may write
    schedule = services["beat"]["command"][services["beat"]["command"].index("--schedule") + 1]
    assert schedule.startswith("/app/var/")


def test_migrate_is_a_one_shot_that_the_long_running_services_wait_for():
    services = load_compose()["services"]

    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in LONG_RUNNING:
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
        assert services[name]["restart"] == "unless-stopped"


# --- compose: shared environment ----------------------------------------------------------------


def test_shared_environment_with_defaults():
    env = compose_with(SECRET_KEY=SECRET)["services"]["web"]["environment"]

    assert env["DATABASE_URL"] == "postgres://postgres:postgres@postgres:5432/poverty"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["SECRET_KEY"] == SECRET
    assert env["DEBUG"] == "false"
    assert env["ALLOWED_HOSTS"] == "localhost,127.0.0.1"
    assert env["TIME_ZONE"] == "Asia/Shanghai"
    assert env["MEDIA_ROOT"] == "/app/var/media"
    # secure by default, as the settings are; a plain-HTTP intranet opts out explicitly
    assert env["SECURE_SSL_REDIRECT"] == "true"
    assert env["SESSION_COOKIE_SECURE"] == env["CSRF_COOKIE_SECURE"] == "true"
    assert int(env["SECURE_HSTS_SECONDS"]) > 0


def test_secret_key_must_be_given():
    with pytest.raises(MissingVariable, match="SECRET_KEY"):
        compose_with()


def test_database_url_matches_the_postgres_service_and_its_password():
    compose = compose_with(
        SECRET_KEY=SECRET, POSTGRES_PASSWORD="pa55word", ALLOWED_HOSTS="fp.example.cn"
    )
    services = compose["services"]
    env = services["worker"]["environment"]
    url = urllib.parse.urlsplit(env["DATABASE_URL"])

    assert url.hostname == "postgres" and url.port == 5432
    assert url.password == services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "pa55word"
    assert url.path == "/" + services["postgres"]["environment"]["POSTGRES_DB"]
    assert urllib.parse.urlsplit(env["REDIS_URL"]).hostname == "redis"
    assert env["ALLOWED_HOSTS"] == "fp.example.cn,127.0.0.1"


def settings_variables() -> set[str]:
    """Names of the environment variables that poverty/settings.py reads."""
    source = (ROOT / "poverty" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'env(?:\.(?:str|bool|int|float|list))?\(\s*"([A-Z_]+)"', source))
    names |= set(re.findall(r'Env\(\)\.str\("([A-Z_]+)"', source))
    names |= set(re.findall(r"^\s+([A-Z_]+)=\(", source, re.MULTILINE))
    return names


def test_every_shared_variable_is_one_the_settings_read():
    """A misspelt name in docker-compose.yml would be silently ignored."""
    env = load_compose()["services"]["web"]["environment"]
    read_elsewhere = {"WEB_CONCURRENCY"}  # gunicorn's worker count

    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG"} <= settings_variables()
    assert set(env) - read_elsewhere <= settings_variables()


def test_data_lives_in_named_volumes():
    compose = load_compose()
    services = compose["services"]

    assert set(compose["volumes"]) >= {"pgdata", "redisdata", "media"}
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    # the worker writes job result files that web serves
    assert "media:/app/var/media" in services["web"]["volumes"]
    assert "media:/app/var/media" in services["worker"]["volumes"]


# --- compose: health checks ---------------------------------------------------------------------


def test_health_checks():
    services = load_compose()["services"]

    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])


def web_probe_code() -> str:
    probe = compose_with(SECRET_KEY=SECRET)["services"]["web"]["healthcheck"]["test"]
    assert probe[:3] == ["CMD", "python", "-c"]
    return probe[3]


def test_web_health_probe_code_succeeds_against_a_live_server(live_server):
    """Run the compose probe's own Python code, pointed at a live test server."""
    code = web_probe_code().replace("http://127.0.0.1:8000", live_server.url)
    assert live_server.url in code

    exec(compile(code, "healthcheck", "exec"), {})  # raises on any non-2xx answer


# --- Dockerfile ---------------------------------------------------------------------------------


def image_cmd() -> list[str]:
    import json

    (cmd,) = dockerfile("CMD")
    return json.loads(cmd)


def test_dockerfile_base_image_and_unprivileged_user():
    assert dockerfile("FROM") == ["python:3.11-slim"]
    (user,) = dockerfile("USER")
    assert user not in ("root", "0")
    # the user switch comes after every step that needs root
    keywords = [kw for kw, _ in dockerfile_instructions()]
    assert keywords.index("USER") > max(i for i, kw in enumerate(keywords) if kw == "RUN")


def test_dockerfile_installs_pinned_dependencies_and_starts_gunicorn():
    runs = " ".join(dockerfile("RUN"))
    assert "pip install -c constraints.txt ." in runs
    assert "collectstatic --noinput" in runs

    cmd = image_cmd()
    assert cmd[0] == "gunicorn"
    assert "poverty.wsgi:application" in cmd
    assert dockerfile("ENTRYPOINT") == []


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()

    for entry in (".git", ".venv", "var", ".env", "**/__pycache__"):
        assert entry in ignored


# --- the steps that can run without Docker ------------------------------------------------------


def run_manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_dockerfile_collectstatic_step_runs_with_its_build_only_settings(tmp_path):
    (step,) = [run for run in dockerfile("RUN") if "collectstatic" in run]
    assignments = dict(re.findall(r"(\w+)=(\S+)", step.split("python manage.py")[0]))
    assert assignments["DEBUG"] == "false"
    assert "SECRET_KEY" in assignments

    # --dry-run: the settings load with the build-only values and every static file is found.
    # The real step also hashes and brotli-compresses ~12 MB of assets (about a minute of CPU),
    # which belongs to the image build, not to every test run.
    result = run_manage(
        ["collectstatic", "--noinput", "--dry-run", "-v", "2"],
        {**assignments, "STATIC_ROOT": str(tmp_path)},
    )

    assert result.returncode == 0, result.stderr
    assert "vendor/bootstrap/css/bootstrap.min.css" in result.stdout  # the project's own assets
    assert "admin/css/base.css" in result.stdout  # and the apps' assets


def test_compose_environment_loads_and_passes_the_deploy_check(tmp_path):
    env = compose_with(SECRET_KEY=SECRET, ALLOWED_HOSTS="fp.example.cn")["services"]["web"][
        "environment"
    ]
    env = {key: str(value) for key, value in env.items()}
    env["POVERTY_VAR_DIR"] = str(tmp_path)  # /app/var exists only in the image
    env["MEDIA_ROOT"] = str(tmp_path / "media")

    result = run_manage(["check", "--deploy"], env)

    assert result.returncode == 0, result.stderr
    printed = run_manage(
        [
            "shell",
            "-c",
            "from django.conf import settings as s; "
            "print(s.DEBUG, s.DATABASES['default']['HOST'], s.CELERY_BROKER_URL, s.ALLOWED_HOSTS)",
        ],
        env,
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.split("\n")[-2] == (
        "False postgres redis://redis:6379/0 ['fp.example.cn', '127.0.0.1']"
    )


def test_health_probe_is_answered_under_the_compose_settings(tmp_path):
    """DEBUG off, HTTPS redirect on: the probe's plain-HTTP request to 127.0.0.1 gets 200,
    while an ordinary page is redirected to HTTPS."""
    env = {
        **{
            k: str(v)
            for k, v in compose_with(SECRET_KEY=SECRET)["services"]["web"]["environment"].items()
        },
        "POVERTY_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    script = (
        "from django.test import Client; c = Client(); "
        "h = c.get('/healthz', HTTP_HOST='127.0.0.1:8000'); "
        "p = c.get('/admin/login/', HTTP_HOST='127.0.0.1:8000'); "
        "print(h.status_code, h.content.decode(), p.status_code, p.get('Location'))"
    )

    result = run_manage(["shell", "-c", script], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "200 ok 301 https://127.0.0.1:8000/admin/login/"
