"""Run inside Pyodide by tests/test_pyodide_lane.py: pytest over the package's tests that need
no NumPy, PyTorch, subprocess or Graphviz program (`FILES`), less the few tests in them that
need what a browser has not (`DESELECT`: NumPy, POSIX file modes, FIFOs, the docs' Markdown
package). Extra arguments are passed to pytest. Exits with pytest's status, so one failing
test fails the lane."""

import sys

sys.dont_write_bytecode = True  # the checkout is mounted: leave no cpython-314 caches in it

import pytest  # noqa: E402 (after the line above, which must come first)
from hypothesis import settings  # noqa: E402

# The same examples on every run, as under CI, and no deadline: WebAssembly is slower than the
# native runs the tests' deadlines were set for, and a lane must not fail for being slow.
settings.register_profile("pyodide-lane", derandomize=True, print_blob=True, deadline=None)
settings.load_profile("pyodide-lane")

FILES = [
    "tests/test_engine_exact.py",
    "tests/test_engine_properties.py",
    "tests/test_higher_order.py",
    "tests/test_gradcheck.py",
    "tests/test_expr.py",
    "tests/test_paths.py",
    "tests/test_losses.py",
    "tests/test_optim.py",
    "tests/test_nn.py",
    "tests/test_data.py",
    "tests/test_io.py",
    "tests/test_lesson.py",
    "tests/test_notation.py",
    "tests/test_lesson_training.py",
    "tests/test_explain.py",
    "tests/test_pyodide_deep.py",
]
DESELECT = [
    "tests/test_nn.py::test_numpy_row_is_accepted",  # NumPy
    "tests/test_io.py::test_saved_file_has_the_permissions_of_a_plain_open",  # umask
    "tests/test_io.py::test_a_fifo_is_refused_without_blocking",  # os.mkfifo
    "tests/test_io.py::test_an_endless_device_is_refused_before_reading",  # /dev/zero
    "tests/test_explain.py::test_markdown_structure",  # the `markdown` package of the docs
]

options = ["-q", "-p", "no:cacheprovider", "--tb=short", "-rfE"]
for test in DESELECT:
    options += ["--deselect", test]
sys.exit(int(pytest.main(options + (sys.argv[1:] or FILES))))
