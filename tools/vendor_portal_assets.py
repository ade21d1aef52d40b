"""Vendors the GOV.UK Frontend stylesheet and script the portal is built on, from the npm registry.

Why GOV.UK Frontend: it is the best-kept open design system made for government services
(MIT licence, WCAG 2.2 AA tested with assistive technologies, forms and error summaries that
work without JavaScript, a script that only enhances). Kazakhstan's eGov has no open design
system to take. What is GOV.UK's own brand is left out, as its licence asks of services outside
GOV.UK: no crown, no crest and no GDS Transport font; this tool strips the @font-face rules, so
the pages use the stylesheet's fallback (Arial, or Liberation Sans on Linux, both with Kazakh
Cyrillic).

The release is pinned by version and by the registry's sha512 integrity; a tarball that does not
match is refused. Only the two built files and the licence are kept: no node at build or run time.

Run: python tools/vendor_portal_assets.py  (writes portal/static/govuk/, committed)
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
import urllib.request
from pathlib import Path

VERSION = "6.6.0"
TARBALL = f"https://registry.npmjs.org/govuk-frontend/-/govuk-frontend-{VERSION}.tgz"
INTEGRITY = (
    "sha512-"
    "xctkWrQvLnvQt7fyjQ3MGX9S0wz0x0RQuLxCeoXF+s8EjGICG81/DYQGKN5qgO+0KVT12UAaRwUsGY6fulRcRg=="
)
TARGET = (
    Path(__file__).resolve().parent.parent
    / "services/ecopermit/services/gateway/portal/static/govuk"
)
KEPT = {
    "package/dist/govuk/govuk-frontend.min.css": "govuk-frontend.min.css",
    "package/dist/govuk/govuk-frontend.min.js": "govuk-frontend.min.js",
}
# The tarball has no licence file: package.json names the licence, upstream's LICENSE.txt the
# holder; MIT asks that both travel with the copies.
NOTICE = """GOV.UK Frontend {version}, https://github.com/alphagov/govuk-frontend
Licence (package.json): {licence}. Copyright (c) Crown Copyright (Government Digital Service).

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

Vendored by tools/vendor_portal_assets.py from {tarball}
({integrity}); the @font-face rules (GDS Transport) and source-map references removed.
"""
_FONT_FACE = re.compile(rb"@font-face\{[^}]*\}")
_SOURCE_MAP = re.compile(rb"/[*/]# sourceMappingURL=[^\n]*")


def _verified(tarball: bytes) -> bytes:
    algorithm, expected = INTEGRITY.split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if actual != expected:
        raise SystemExit(f"govuk-frontend {VERSION}: integrity {actual} is not {expected}")
    return tarball


def _kept(name: str, content: bytes) -> bytes:
    if name.endswith(".css"):
        content = _FONT_FACE.sub(b"", content)
    # The maps are not vendored: a reference to them is a 404 in every browser's console.
    return _SOURCE_MAP.sub(b"", content)


def main() -> None:
    with urllib.request.urlopen(TARBALL, timeout=60) as response:
        tarball = _verified(response.read())
    TARGET.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member, name in KEPT.items():
            extracted = archive.extractfile(member)
            if extracted is None:
                raise SystemExit(f"{member} is not a file in govuk-frontend {VERSION}")
            (TARGET / name).write_bytes(_kept(name, extracted.read()))
        package = archive.extractfile("package/package.json")
        assert package is not None
        licence = json.load(package)["license"]
    (TARGET / "NOTICE.txt").write_text(
        NOTICE.format(version=VERSION, licence=licence, tarball=TARBALL, integrity=INTEGRITY)
    )
    print(f"govuk-frontend {VERSION} -> {TARGET}")


if __name__ == "__main__":
    main()
