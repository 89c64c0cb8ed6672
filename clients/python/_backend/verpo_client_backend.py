"""The build backend of verpo-client (PEP 517), in the source tree and standard library only.

`pip install ./clients/python` needs no network: pyproject.toml requires nothing for the build
(`requires = []`), so pip's isolated build environment stays empty, and this module (found through
`backend-path`) writes the wheel itself. A wheel is a zip of the package, its metadata
(METADATA, WHEEL) and a RECORD of every file's hash and size (the binary distribution format,
packaging.python.org/specifications/binary-distribution-format); an sdist is a .tar.gz of the
source with PKG-INFO.

Metadata comes from pyproject.toml's [project] table, which is read with tomllib (Python 3.11+) or,
on older interpreters, with a reader of the few TOML forms that file uses. A [project] key this
backend does not turn into metadata is an error, never dropped. Editable installs (pip install -e)
are not offered: install the directory, or put clients/python on PYTHONPATH.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import os
import re
import sys
import tarfile
import time
import zipfile
from typing import Any, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "verpo_client"
# what an sdist holds besides the package: enough to build the wheel again and to run the tests
SDIST_EXTRA = ["pyproject.toml", "README.md", "_backend/verpo_client_backend.py", "tests"]
KNOWN_KEYS = {"name", "version", "description", "readme", "requires-python", "license", "keywords",
              "classifiers", "dependencies", "urls"}


# -- pyproject.toml --------------------------------------------------------------------------------

def _toml_string(text: str, i: int) -> Tuple[str, int]:
    """A basic ("...") or literal ('...') single-line string starting at text[i]; (value, end)."""
    quote = text[i]
    j = i + 1
    out: List[str] = []
    escapes = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "r": "\r"}
    while j < len(text) and text[j] != quote:
        if quote == '"' and text[j] == "\\":
            if text[j + 1] not in escapes:
                raise ValueError(f"pyproject.toml: unsupported escape \\{text[j + 1]}")
            out.append(escapes[text[j + 1]])
            j += 2
            continue
        if text[j] == "\n":
            break
        out.append(text[j])
        j += 1
    if j >= len(text) or text[j] != quote:
        raise ValueError("pyproject.toml: unterminated string")
    return "".join(out), j + 1


def _toml_skip(text: str, i: int) -> int:
    """Skips spaces, newlines and comments."""
    while i < len(text):
        if text[i] in " \t\r\n":
            i += 1
        elif text[i] == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
        else:
            break
    return i


def _toml_value(text: str, i: int) -> Tuple[Any, int]:
    """A string, an array of values or an inline table of key = string, starting at text[i]."""
    if text[i] in "\"'":
        if text.startswith(text[i] * 3, i):
            raise ValueError("pyproject.toml: multi-line strings are not supported by this reader")
        return _toml_string(text, i)
    if text[i] == "[":
        items: List[Any] = []
        i = _toml_skip(text, i + 1)
        while text[i] != "]":
            v, i = _toml_value(text, i)
            items.append(v)
            i = _toml_skip(text, i)
            if text[i] == ",":
                i = _toml_skip(text, i + 1)
            elif text[i] != "]":
                raise ValueError("pyproject.toml: expected , or ] in an array")
        return items, i + 1
    if text[i] == "{":
        table: Dict[str, Any] = {}
        i = _toml_skip(text, i + 1)
        while text[i] != "}":
            m = re.compile(r"([A-Za-z0-9_-]+)\s*=\s*").match(text, i)
            if not m:
                raise ValueError("pyproject.toml: expected key = value in an inline table")
            table[m.group(1)], i = _toml_value(text, m.end())
            i = _toml_skip(text, i)
            if text[i] == ",":
                i = _toml_skip(text, i + 1)
            elif text[i] != "}":
                raise ValueError("pyproject.toml: expected , or } in an inline table")
        return table, i + 1
    raise ValueError(f"pyproject.toml: unsupported value at {text[i:i + 20]!r} (this reader takes strings, arrays and inline tables)")


def read_toml_subset(text: str) -> Dict[str, Any]:
    """pyproject.toml as tomllib would read it, for the forms it uses: [table] and [a.b] headers,
    bare keys, single-line strings, arrays (over several lines too) and inline tables. Anything else
    raises ValueError instead of being misread."""
    doc: Dict[str, Any] = {}
    table = doc
    i = _toml_skip(text, 0)
    while i < len(text):
        if text[i] == "[":
            m = re.compile(r"\[\s*([A-Za-z0-9_.-]+)\s*\][ \t]*(#[^\n]*)?(\n|$)").match(text, i)
            if not m:
                raise ValueError(f"pyproject.toml: unsupported table header at {text[i:i + 30]!r}")
            table = doc
            for part in m.group(1).split("."):
                table = table.setdefault(part, {})
            i = m.end()
        else:
            m = re.compile(r"([A-Za-z0-9_-]+)[ \t]*=[ \t]*").match(text, i)
            if not m:
                raise ValueError(f"pyproject.toml: expected key = value at {text[i:i + 30]!r}")
            if m.group(1) in table:
                raise ValueError(f"pyproject.toml: {m.group(1)} is defined twice")
            table[m.group(1)], i = _toml_value(text, m.end())
            rest = re.compile(r"[ \t]*(#[^\n]*)?(\n|$)").match(text, i)
            if not rest:
                raise ValueError(f"pyproject.toml: unexpected text after {m.group(1)}")
            i = rest.end()
        i = _toml_skip(text, i)
    return doc


def read_pyproject(root: str = ROOT) -> Dict[str, Any]:
    with open(os.path.join(root, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    if sys.version_info >= (3, 11):
        import tomllib
        return tomllib.loads(text)
    return read_toml_subset(text)


# -- metadata --------------------------------------------------------------------------------------

def project(root: str = ROOT) -> Dict[str, Any]:
    p = read_pyproject(root).get("project")
    if not isinstance(p, dict):
        raise ValueError("pyproject.toml: no [project] table")
    unknown = sorted(set(p) - KNOWN_KEYS)
    if unknown:
        raise ValueError(f"pyproject.toml: [project] keys this backend does not handle: {', '.join(unknown)}")
    for key in ("name", "version", "description", "readme", "requires-python"):
        if not isinstance(p.get(key), str):
            raise ValueError(f"pyproject.toml: [project] {key} must be a string")
    if p.get("dependencies"):
        raise ValueError("pyproject.toml: verpo-client has no dependencies (standard library only)")
    return p


def dist_name(p: Dict[str, Any]) -> str:
    """The name as wheel and sdist file names spell it (PEP 427 / PEP 625)."""
    return re.sub(r"[-_.]+", "_", p["name"]).lower()


def metadata(root: str = ROOT) -> str:
    """The core metadata (METADATA in a wheel, PKG-INFO in an sdist), version 2.1."""
    p = project(root)
    lines = ["Metadata-Version: 2.1", f"Name: {p['name']}", f"Version: {p['version']}", f"Summary: {p['description']}"]
    license_ = p.get("license")
    if isinstance(license_, dict) and isinstance(license_.get("text"), str):
        lines.append(f"License: {license_['text']}")
    elif license_ is not None:
        raise ValueError("pyproject.toml: license must be {text = \"...\"}")
    if p.get("keywords"):
        lines.append("Keywords: " + ",".join(p["keywords"]))
    for c in p.get("classifiers", []):
        lines.append(f"Classifier: {c}")
    for label, url in (p.get("urls") or {}).items():
        lines.append(f"Project-URL: {label}, {url}")
    lines.append(f"Requires-Python: {p['requires-python']}")
    lines.append("Description-Content-Type: text/markdown")
    with open(os.path.join(root, p["readme"]), encoding="utf-8") as f:
        readme = f.read()
    return "\n".join(lines) + "\n\n" + readme


WHEEL_FILE = "Wheel-Version: 1.0\nGenerator: verpo_client_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _package_files(root: str) -> List[str]:
    """Paths (relative to root, with /) of the package's files, sorted; no caches or bytecode."""
    out: List[str] = []
    for base, dirs, files in os.walk(os.path.join(root, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in files:
            if not name.endswith((".pyc", ".pyo")):
                out.append(os.path.relpath(os.path.join(base, name), root).replace(os.sep, "/"))
    return sorted(out)


def _epoch() -> int:
    """File times in the archives: SOURCE_DATE_EPOCH when set (reproducible builds), else
    1980-01-01, the earliest date a zip can hold; the same bytes for the same source either way."""
    return max(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")), 315532800)


def _timestamp() -> Tuple[int, int, int, int, int, int]:
    t = time.gmtime(_epoch())
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


def wheel_entries(root: str = ROOT) -> List[Tuple[str, bytes]]:
    """Every file of the wheel, in order, RECORD last."""
    p = project(root)
    info = f"{dist_name(p)}-{p['version']}.dist-info"
    entries: List[Tuple[str, bytes]] = []
    for rel in _package_files(root):
        with open(os.path.join(root, rel), "rb") as f:
            entries.append((rel, f.read()))
    entries.append((f"{info}/METADATA", metadata(root).encode("utf-8")))
    entries.append((f"{info}/WHEEL", WHEEL_FILE.encode("utf-8")))
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries) + f"{info}/RECORD,,\n"
    entries.append((f"{info}/RECORD", record.encode("utf-8")))
    return entries


# -- PEP 517 hooks ---------------------------------------------------------------------------------

def get_requires_for_build_wheel(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[Dict[str, Any]] = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    p = project()
    info = f"{dist_name(p)}-{p['version']}.dist-info"
    os.makedirs(os.path.join(metadata_directory, info), exist_ok=True)
    with open(os.path.join(metadata_directory, info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(metadata())
    with open(os.path.join(metadata_directory, info, "WHEEL"), "w", encoding="utf-8") as f:
        f.write(WHEEL_FILE)
    return info


def build_wheel(wheel_directory: str, config_settings: Optional[Dict[str, Any]] = None,
                metadata_directory: Optional[str] = None) -> str:
    p = project()
    name = f"{dist_name(p)}-{p['version']}-py3-none-any.whl"
    stamp = _timestamp()
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path, data in wheel_entries():
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return name


def build_sdist(sdist_directory: str, config_settings: Optional[Dict[str, Any]] = None) -> str:
    p = project()
    base = f"{dist_name(p)}-{p['version']}"
    files = list(_package_files(ROOT))
    for extra in SDIST_EXTRA:
        full = os.path.join(ROOT, extra)
        if os.path.isdir(full):
            for b, dirs, names in os.walk(full):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                files += [os.path.relpath(os.path.join(b, n), ROOT).replace(os.sep, "/") for n in names if not n.endswith(".pyc")]
        else:
            files.append(extra)
    mtime = _epoch()
    name = f"{base}.tar.gz"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add(arcname: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"{base}/{arcname}")
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            tar.addfile(info, io.BytesIO(data))
        add("PKG-INFO", metadata().encode("utf-8"))
        for rel in sorted(set(files)):
            with open(os.path.join(ROOT, rel), "rb") as f:
                add(rel, f.read())
    with open(os.path.join(sdist_directory, name), "wb") as out:
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=mtime) as gz:
            gz.write(buf.getvalue())
    return name
