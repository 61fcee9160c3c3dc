#!/bin/sh
# tools/check_wheel.sh WHEEL: installs the wheel into a fresh virtual environment and imports
# it from an empty directory (the source and build trees out of reach), then checks that the
# extension runs on the libraries the wheel carries (actfn.libs), not the system's libhwy.
set -eu
wheel=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-python3}" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q "$wheel"
cd "$tmp"
env -u PYTHONPATH -u LD_LIBRARY_PATH "$tmp/venv/bin/python" - "$tmp/venv" <<'PY'
import sys
import numpy as np
import actfn

venv = sys.argv[1]
assert actfn.__file__.startswith(venv), f"imported {actfn.__file__}, not the wheel's copy"
maps = open("/proc/self/maps").read().splitlines()
hwy = sorted({line.split()[-1] for line in maps if "libhwy" in line})
assert hwy, "libhwy is not loaded"
assert all("/actfn.libs/" in p for p in hwy), f"libhwy from outside the wheel: {hwy}"
assert actfn.sigmoid(-1.0) == 0.2689414213699951
assert actfn.leaky_relu(-1.0, alpha=0.001) == -0.001
y = actfn.softmax(np.array([[1.0, 2.0, 3.0]], np.float32), axis=-1)
assert y.dtype == np.float32 and abs(float(y.sum()) - 1) < 1e-6
from actfn import _actfn
assert hasattr(_actfn, "jax_handlers"), "built without actfn.jax's FFI handlers"
print(f"wheel ok: actfn {actfn.__version__} from {actfn.__file__}, libhwy from {hwy[0]}")
PY
out=$(env -u LD_LIBRARY_PATH "$tmp/venv/bin/actfn" sigmoid -1.0)
[ "$out" = "0.2689414213699951" ] || { echo "the wheel's actfn command printed: $out"; exit 1; }
echo "the wheel's actfn command runs: actfn sigmoid -1.0 = $out"
