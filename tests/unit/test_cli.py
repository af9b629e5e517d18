import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser, main

# Subprocesses run from other directories: make them import this checkout's code, not
# whatever checkout the venv's editable install points at.
CHECKOUT = str(Path(__file__).resolve().parents[2])

SUBCOMMANDS = ["run", "chat", "ask", "recommend", "kb", "eval"]


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_help(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([name, "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("usage:")


@pytest.mark.subprocess
def test_help_does_not_import_torch():
    code = "import sys; from bot.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\n"
    code += "assert 'torch' not in sys.modules and 'aiogram' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


@pytest.mark.parametrize(
    ("token", "expected"),
    [("", "BOT_TOKEN is not set"), ("not-a-token", "BOT_TOKEN is malformed")],
)
@pytest.mark.subprocess
def test_run_without_a_usable_token_says_so_and_exits_2(token, expected, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": CHECKOUT,
        "BOT_TOKEN": token,
        "DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and "@BotFather" in lines[0] and "make chat" in lines[0]
    assert "not-a-token" not in result.stderr
