"""Docker does not run on these machines: check the compose file and Dockerfile by structure."""

import re

import yaml

from bot.config import Settings


def test_compose_has_bot_and_redis_wired_together(repo):
    compose = yaml.safe_load((repo / "docker-compose.yml").read_text())
    bot, redis = compose["services"]["bot"], compose["services"]["redis"]
    assert bot["env_file"] == ".env"
    assert bot["environment"]["STORAGE_URL"] == "redis://redis:6379/0"
    assert "./knowledge:/app/knowledge:ro" in bot["volumes"]
    assert "./intents:/app/intents:ro" in bot["volumes"]
    data_volume = next(
        v for v in bot["volumes"] if v.endswith(":" + bot["environment"]["DATA_DIR"])
    )
    assert data_volume.split(":")[0] in compose["volumes"]
    assert bot["restart"] and "healthcheck" in bot
    health_url = f"http://127.0.0.1:{bot['environment']['HEALTH_PORT']}/healthz"
    assert health_url in " ".join(bot["healthcheck"]["test"])
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert redis["image"].startswith("redis:")
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert any(v.split(":")[0] in compose["volumes"] for v in redis["volumes"])


def test_compose_environment_names_real_settings(repo):
    compose = yaml.safe_load((repo / "docker-compose.yml").read_text())
    fields = {name.upper() for name in Settings.model_fields}
    assert set(compose["services"]["bot"]["environment"]) <= fields


def test_env_example_lists_only_real_settings(repo):
    names = re.findall(r"^([A-Z_]+)=", (repo / ".env.example").read_text(), re.MULTILINE)
    assert "BOT_TOKEN" in names
    assert set(names) <= {name.upper() for name in Settings.model_fields}


def test_dockerfile_is_slim_torchless_non_root_exec_form(repo):
    text = (repo / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.MULTILINE)
    # The serving encoder is ONNX: the image installs neither torch nor its lock.
    assert not re.search(r"^RUN .*(torch|requirements-(torch|dev))", text, re.MULTILINE)
    assert re.search(r"^USER (?!root)\w+", text, re.MULTILINE)
    assert re.search(r'^CMD \["python", "-m", "bot", "run"\]', text, re.MULTILINE)


def test_a_copy_of_env_example_loads_blanks_as_defaults(repo):
    settings = Settings(_env_file=repo / ".env.example")
    assert settings.health_port is None and settings.bot_token is None
    assert settings.webhook_port == 8080
