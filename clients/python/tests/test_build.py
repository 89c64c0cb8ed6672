"""The in-tree build backend (clients/python/_backend): its reading of pyproject.toml, the wheel
(files, METADATA, a RECORD whose hashes match) and the sdist, both reproducible. And, when the
package under test was installed (VERPO_TEST_INSTALLED=1, set by the vitest runner after pip
install --target), that it is the installed copy being tested, with its metadata."""

from __future__ import annotations

import base64
import hashlib
import importlib
import io
import os
import sys
import tarfile
import tempfile
import unittest
import zipfile
from typing import Any, Dict

import verpo_client as vc

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SOURCE, "_backend"))
backend: Any = importlib.import_module("verpo_client_backend")


class Pyproject(unittest.TestCase):
    def test_the_subset_reader_reads_pyproject_as_tomllib_does(self) -> None:
        with open(os.path.join(SOURCE, "pyproject.toml"), encoding="utf-8") as f:
            text = f.read()
        doc = backend.read_toml_subset(text)
        self.assertEqual(doc["build-system"], {"requires": [], "build-backend": "verpo_client_backend", "backend-path": ["_backend"]})
        self.assertEqual(doc["project"]["name"], "verpo-client")
        self.assertEqual(doc["project"]["license"], {"text": "MIT"})
        self.assertEqual(doc["project"]["dependencies"], [])
        if sys.version_info >= (3, 11):  # before, the fields above are what the backend needs
            import tomllib
            self.assertEqual(doc, tomllib.loads(text))

    def test_the_subset_reader_refuses_what_it_does_not_read(self) -> None:
        for text in ('a = """x"""\n', "a = 1\n", "a.b = 'x'\n", "[[t]]\n", "a = 'x'\na = 'y'\n", "a = 'x' b\n"):
            with self.assertRaises(ValueError, msg=text):
                backend.read_toml_subset(text)

    def test_the_version_is_the_packages(self) -> None:
        self.assertEqual(backend.project()["version"], vc.__version__)

    def test_unknown_project_keys_are_errors(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "pyproject.toml"), "w") as f:
                f.write('[project]\nname = "x"\nversion = "1"\ndescription = "d"\nreadme = "R.md"\nrequires-python = ">=3.8"\nscripts = {a = "b"}\n')
            with self.assertRaisesRegex(ValueError, "does not handle: scripts"):
                backend.project(d)


class Wheel(unittest.TestCase):
    def build(self, d: str) -> str:
        return os.path.join(d, backend.build_wheel(d))

    def test_the_wheel_holds_the_package_its_metadata_and_a_true_record(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = self.build(d)
            self.assertEqual(os.path.basename(path), f"verpo_client-{vc.__version__}-py3-none-any.whl")
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
                info = f"verpo_client-{vc.__version__}.dist-info"
                self.assertEqual(sorted(names), sorted(["verpo_client/__init__.py", "verpo_client/py.typed",
                                                        f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD"]))
                with open(os.path.join(SOURCE, "verpo_client", "__init__.py"), "rb") as f:
                    self.assertEqual(z.read("verpo_client/__init__.py"), f.read())
                meta = z.read(f"{info}/METADATA").decode()
                head: Dict[str, Any] = {}
                for line in meta.split("\n\n", 1)[0].splitlines():
                    k, v = line.split(": ", 1)
                    head.setdefault(k, []).append(v)
                self.assertEqual(head["Name"], ["verpo-client"])
                self.assertEqual(head["Version"], [vc.__version__])
                self.assertEqual(head["Requires-Python"], [">=3.8"])
                self.assertIn("Typing :: Typed", head["Classifier"])
                self.assertNotIn("Requires-Dist", head)  # standard library only
                self.assertTrue(meta.split("\n\n", 1)[1].startswith("# verpo Python client"))
                self.assertIn("Root-Is-Purelib: true", z.read(f"{info}/WHEEL").decode())
                rows = [r.split(",") for r in z.read(f"{info}/RECORD").decode().splitlines()]
                self.assertEqual(sorted(r[0] for r in rows), sorted(names))
                for name, digest, size in rows:
                    if name.endswith("RECORD"):
                        self.assertEqual((digest, size), ("", ""))
                        continue
                    data = z.read(name)
                    want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    self.assertEqual((digest, int(size)), (want, len(data)), name)

    def test_builds_are_reproducible(self) -> None:
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            with open(self.build(a), "rb") as x, open(self.build(b), "rb") as y:
                self.assertEqual(x.read(), y.read())
            sa = backend.build_sdist(a)
            sb = backend.build_sdist(b)
            with open(os.path.join(a, sa), "rb") as x, open(os.path.join(b, sb), "rb") as y:
                self.assertEqual(x.read(), y.read())

    def test_metadata_hook_matches_the_wheel(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            info = backend.prepare_metadata_for_build_wheel(d)
            with open(os.path.join(d, info, "METADATA"), encoding="utf-8") as f:
                self.assertEqual(f.read(), backend.metadata())
        self.assertEqual(backend.get_requires_for_build_wheel(), [])
        self.assertEqual(backend.get_requires_for_build_sdist(), [])


class Sdist(unittest.TestCase):
    def test_the_sdist_can_build_the_wheel_again_and_run_the_tests(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            name = backend.build_sdist(d)
            base = f"verpo_client-{vc.__version__}"
            self.assertEqual(name, base + ".tar.gz")
            with tarfile.open(os.path.join(d, name)) as tar:
                names = set(tar.getnames())
                for want in ("PKG-INFO", "pyproject.toml", "README.md", "_backend/verpo_client_backend.py",
                             "verpo_client/__init__.py", "verpo_client/py.typed", "tests/test_build.py", "tests/test_server.py"):
                    self.assertIn(f"{base}/{want}", names)
                self.assertFalse([n for n in names if "__pycache__" in n or n.endswith(".pyc")])
                pkg_info = tar.extractfile(f"{base}/PKG-INFO")
                assert pkg_info is not None
                self.assertEqual(pkg_info.read().decode(), backend.metadata())
                members = [m for m in tar.getmembers() if m.name.startswith(f"{base}/")]
                self.assertEqual(len(members), len(names))


@unittest.skipUnless(os.environ.get("VERPO_TEST_INSTALLED") == "1", "the vitest runner sets VERPO_TEST_INSTALLED=1 after pip install --target")
class Installed(unittest.TestCase):
    def test_the_installed_copy_is_under_test(self) -> None:
        import importlib.metadata
        self.assertFalse(os.path.abspath(vc.__file__).startswith(SOURCE + os.sep), vc.__file__)
        self.assertEqual(importlib.metadata.version("verpo-client"), vc.__version__)
        dist = importlib.metadata.distribution("verpo-client")
        self.assertIn("verpo_client/py.typed", [str(f) for f in dist.files or []])
        self.assertEqual(dist.metadata["Requires-Python"], ">=3.8")


if __name__ == "__main__":
    unittest.main()
