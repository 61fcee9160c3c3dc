"""Optional peers: a test module asks for one with require("torch"). It is skipped where the
package is missing, unless ACTFN_REQUIRE names it (make test sets ACTFN_REQUIRE=torch,jax):
then a missing package fails the run instead of skipping, so CI cannot pass without it."""

import importlib
import os

import pytest


def require(name):
    wanted = {s.strip() for s in os.environ.get("ACTFN_REQUIRE", "").split(",") if s.strip()}
    if name in wanted:
        return importlib.import_module(name)  # ImportError: the run fails
    return pytest.importorskip(name)
