"""docker-compose.yml and the Dockerfile, checked without a Docker engine (none runs here)."""

from __future__ import annotations

import subprocess
import sys

from ruamel.yaml import YAML

from moderation.config import ROOT, documented_variables

COMPOSE = ROOT / "docker-compose.yml"


def test_compose_file_is_valid_against_the_compose_specification_schema() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_the_service_with_mailpit_and_a_scaled_profile_on_postgres() -> None:
    compose = YAML(typ="safe").load(COMPOSE.read_text())
    services = compose["services"]
    assert "profiles" not in services["moderation"] and "profiles" not in services["mailpit"]
    assert services["moderation"]["environment"]["MODERATION_SMTP_HOST"] == "mailpit"
    scaled = services["moderation-scaled"]
    assert scaled["profiles"] == ["scaled"] and scaled["deploy"]["replicas"] == 2
    assert scaled["environment"]["MODERATION_DATABASE_URL"].startswith("postgresql://")
    assert services["postgres"]["profiles"] == ["scaled"]
    known = {variable for variable, _, _ in documented_variables()}
    for name in ("moderation", "moderation-scaled"):
        assert set(services[name]["environment"]) <= known, "a variable the service does not read"


def test_image_runs_as_a_user_with_a_health_check() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "\nUSER moderation\n" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert 'CMD ["python", "-m", "moderation", "serve"]' in dockerfile
    build, final = dockerfile.split("\nFROM python:3.11-slim\n")
    for folder in ("templates", "static", "migrations", "moderation"):
        assert f"COPY {folder} ./{folder}" in build, f"the wheel would lack {folder}/"
    assert "pip wheel" in build and "pip install --no-cache-dir /tmp/wheels/*.whl" in final
    assert "COPY moderation" not in final, "the image would run a copy of the sources, not the installed wheel"


def test_compose_has_no_default_key_and_says_how_to_generate_the_keys() -> None:
    environment = YAML(typ="safe").load(COMPOSE.read_text())["x-service"]["environment"]
    for variable in ("MODERATION_SECRET_KEY", "MODERATION_DATA_KEYS", "MODERATION_INDEX_KEY"):
        required = environment[variable]
        assert required.startswith(f"${{{variable}:?") and required.endswith("}"), required
        assert "./generate-keys > .env" in required
    assert (ROOT / "generate-keys").stat().st_mode & 0o111, "./generate-keys must be executable"
