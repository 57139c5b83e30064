"""The JSON API against its own description (openapi.json), fuzzed by schemathesis: a real
`speechsearch serve` (waitress) on loopback over a small real archive, every default check,
and not one failure allowed.

Each operation gets MAX_EXAMPLES generated requests, valid and invalid (schemathesis's positive
and negative modes), each response checked: no 5xx, documented status codes, content types,
headers and bodies, invalid requests refused, valid ones accepted.

Derandomized: a fixed seed, the same requests on every run, so CI is reproducible and a failure
can be replayed; the random search for new failures is what the hypothesis tests of the search
itself do (test_security_search.py) and what a run with `--hypothesis-seed` or derandomize off
does by hand. Health checks on speed and on rejected draws are off: a shared CI machine is
slow, and schemathesis's generation of invalid values rejects many draws by design.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import schemathesis
from conftest import make_data_dir, serving
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from search_support import EN_ID, FR_ID, MORE_ID, build_archive

from search_app.api import OPENAPI

DOCUMENT = json.loads(OPENAPI.read_text(encoding="utf-8"))

MAX_EXAMPLES = 300
VIDEO_IDS = [FR_ID, EN_ID, MORE_ID]

# Requests mostly of random values would seldom name a video of the archive or find a hit, so
# a share of them take the archive's ids and words that match (schemathesis dictionaries): the
# 200 answers are checked too.
WORDS = ["nato", "terrorisme", '"lutte contre le terrorisme"', "coop*", "afganistan~",
         "NATO OR otan", "lang:fr alerte", "title:conseil", "entity:NATO",
         # quotes for /api/quote, as remembered (a word changed, one dropped)
         "nous avons renforcé la coopération militaire et la lutte contre le terrorisme",
         "the alert was on the radio at nine"]
# An explicit config (none is read from a schemathesis.toml in the working directory), with
# one setting: a schema-valid q may still be a query that cannot be read (an unbalanced quote
# or parenthesis, an unknown field, only punctuation): a grammar no JSON Schema can express.
# The description says so, and such a q must get a 400 with its reason (or else the usual
# 2xx); so for /api/quote, whose q must be 4 to 80 words. Every other check, and this one on
# every other operation, as by default.
CONFIG = SchemathesisConfig.from_str(f"""
[dictionaries.videos]
values = {json.dumps(VIDEO_IDS)}

[dictionaries.words]
values = {json.dumps(WORDS)}

[parameters]
"path.video_id" = {{ dictionary = "videos", probability = 0.5 }}
"query.q" = {{ dictionary = "words", probability = 0.3 }}

[[operations]]
include-name = "GET /api/search"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]

[[operations]]
include-name = "GET /api/quote"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]
""")
# The description as the server serves it (checked below: the same document). Loaded from the
# file, not from the server, because the operations are the test's parameters, known when
# the tests are collected; schemathesis's `from_fixture`, which would load it from the server,
# does not work with pytest 9 (it sets `Node._nodeid`, which pytest 9 no longer has).
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, models_dir: Path, gazetteer):
    data_dir = make_data_dir(tmp_path_factory.mktemp("schemathesis") / "data", models_dir)
    build_archive(data_dir, gazetteer)
    # No job worker: nothing is queued, and a worker would only share the cores.
    with serving(data_dir, env={"SPEECHSEARCH_JOB_WORKERS": "0"}) as base:
        yield base


def test_the_server_serves_this_description(base_url: str) -> None:
    with urllib.request.urlopen(f"{base_url}/api/openapi.json") as response:
        assert json.load(response) == DOCUMENT


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
def test_the_api_keeps_to_its_description(case, base_url: str) -> None:
    case.call_and_validate(base_url=base_url)
