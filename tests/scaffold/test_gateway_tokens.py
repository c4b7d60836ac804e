"""The gateway checks tokens with the algorithm the monolith signs them with, read off its
code (reports.scaffold.gateway.tokens), unless its settings name one."""

from __future__ import annotations

import json
from pathlib import Path

from reports.scaffold.gateway.settings import GatewaySettings
from reports.scaffold.gateway.tokens import (
    TokenAlgorithm,
    monolith_token_settings,
    token_algorithms,
)

SOURCES = {
    # a settings attribute bound by a keyword elsewhere, the way the shop does it
    "app/auth.py": "import jwt\n\n\ndef issue(claims, settings):\n"
                   "    return jwt.encode(claims, settings.secret, "
                   "algorithm=settings.jwt_algorithm)\n",
    "app/config.py": "import os\n\n\ndef load(Settings):\n"
                     "    return Settings(secret=os.environ['S'], jwt_algorithm="
                     "os.environ.get('JWT_ALG', 'HS384'))\n",
    # a module constant, through an aliased module (``from jose import jwt as jose_jwt``)
    "app/sso.py": "from jose import jwt as jose_jwt\n\nALGORITHM = 'RS256'\n\n\n"
                  "def sign(claims, key):\n"
                  "    return jose_jwt.encode(claims, key, algorithm=ALGORITHM)\n",
    # not tokens the monolith issues: its tests forging some, another library's encode
    "tests/test_auth.py": "import jwt\n\n\ndef test_forged():\n"
                          "    jwt.encode({}, 'x', algorithm='HS512')\n",
    "app/codec.py": "import base64\n\n\ndef pack(data):\n"
                    "    return base64.encode(data, algorithm='HS512')\n",
    # an algorithm the gateway cannot check is not offered to it
    "app/legacy.py": "import jwt\n\n\ndef old(claims):\n"
                     "    return jwt.encode(claims, None, algorithm='none')\n",
}


def test_the_algorithms_the_monolith_signs_with_are_read_off_its_code(tmp_path: Path) -> None:
    for name, text in SOURCES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert token_algorithms(tmp_path) == [TokenAlgorithm("HS384", "app/auth.py:5"),
                                          TokenAlgorithm("RS256", "app/sso.py:7")]


def test_the_fixtures_gateway_checks_its_hs256_tokens_unless_told_otherwise(
        fixture_system: Path) -> None:
    gateway = json.loads((fixture_system / "gateway" / "gateway.json").read_text())
    assert gateway["jwt"]["algorithms"] == ["HS256"]
    readme = (fixture_system / "README.md").read_text()
    assert "what the monolith signs them with (shop/auth.py:56)" in readme
    assert "GATEWAY\\_JWT\\_SECRET" in readme


def test_settings_that_name_an_algorithm_win(tmp_path: Path) -> None:
    (tmp_path / "auth.py").write_text(SOURCES["app/sso.py"])
    warnings: list[str] = []
    derived = monolith_token_settings(GatewaySettings(), tmp_path, warnings)
    assert derived.jwt_algorithms == ["RS256"]
    assert warnings == ["gateway: tokens are checked with RS256, what the monolith signs "
                        "them with (auth.py:7)"]
    named = GatewaySettings(jwt_algorithms=["HS512"])
    assert monolith_token_settings(named, tmp_path, []) is named
    (tmp_path / "auth.py").unlink()
    assert monolith_token_settings(GatewaySettings(), tmp_path, []).jwt_algorithms == \
        GatewaySettings().jwt_algorithms  # nothing to read: the generated default stays
