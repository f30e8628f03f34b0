"""PDF with WeasyPrint, from the dedicated print template.

WeasyPrint draws Chinese only with a CJK font installed (Debian: fonts-wqy-microhei). Without
one it would silently produce a PDF of empty boxes, so `report_pdf` checks first and raises
`CJKFontMissing`, which the routes turn into a clear message. Stylesheets and images are read
from the package's static folder by `StaticFetcher`; nothing is ever fetched from the network.
"""

from __future__ import annotations

import mimetypes
import re
import shutil
import subprocess
import threading
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from studytrack import PACKAGE_DIR

STATIC_FOLDER = PACKAGE_DIR / "static"
STATIC_URL_PATH = "/static/"


class CJKFontMissing(RuntimeError):
    """No font that covers Chinese is installed, so a PDF would show empty boxes."""


_font_lock = threading.Lock()
_font_found = False  # only a positive answer is cached: installing a font needs no restart


def cjk_font_available() -> bool:
    """Whether fontconfig knows a font for Chinese (`fc-list :lang=zh family`)."""
    global _font_found
    if _font_found:
        return True
    with _font_lock:
        if not _font_found:
            _font_found = bool(_list_cjk_families())
    return _font_found


def _list_cjk_families() -> list[str]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        result = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [line for line in result.stdout.splitlines() if line.strip()]


def report_pdf(
    html: str,
    base_url: str,
    static_folder: Path | str | None = None,
    static_url: str = STATIC_URL_PATH,
) -> bytes:
    """Render `html` (the print template) to PDF bytes.

    Relative and root-relative URLs resolve against `base_url` (the app's root URL); those
    whose path starts with `static_url` ("/static/", or "/prefix/static/" behind a proxy
    prefix) are read from `static_folder` (the package's static folder by default); every
    other URL is refused.
    """
    if not cjk_font_available():
        raise CJKFontMissing("no CJK font installed (fc-list :lang=zh is empty)")
    weasyprint = _import_weasyprint()
    fetcher = _static_fetcher(Path(static_folder or STATIC_FOLDER), base_url, static_url)
    document = weasyprint.HTML(string=without_emoji(html), base_url=base_url,
                               url_fetcher=fetcher)
    return bytes(document.write_pdf())


# The pictographic emoji (U+1F000-1FAFF: faces, hands, flags, skin tones) and what joins or
# dresses them (variation selector 16, the zero-width joiner, tags). No font a server has for
# Chinese draws them, so WeasyPrint would print each as an empty box: the PDF leaves them out;
# the page and the Word file keep them. Older symbols (★ ✓ ☆ ❤) stay: fonts have them.
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\uFE0F\u200D\U000E0020-\U000E007F]")


def without_emoji(text: str) -> str:
    """`text` with its emoji left out (a PDF would draw them as empty boxes)."""
    return _EMOJI.sub("", text)


def _import_weasyprint() -> Any:
    """WeasyPrint, imported on first use (it is slow to import; only PDFs need it).

    Without libharfbuzz-subset0 WeasyPrint warns at import that it will need it some day and
    subsets fonts with fontTools meanwhile: that one warning is not ours to act on at runtime
    (the docs and CI install the library), so it is silenced here and only here.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning
        )
        import weasyprint
    return weasyprint


def _static_fetcher(folder: Path, base_url: str, static_url: str) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = folder.resolve()
    origin = urlsplit(base_url)

    class StaticFetcher(URLFetcher):
        """Answers /static/... from the static folder; refuses everything else."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            same_origin = (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc)
            if not same_origin or not parts.path.startswith(static_url):
                raise ValueError(f"refusing to fetch {url!r}: only static files are allowed")
            relative = unquote(parts.path[len(static_url):])
            path = (root / relative).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                raise FileNotFoundError(f"no static file for {url!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            headers = {"Content-Type": content_type}
            return URLFetcherResponse(url, path.read_bytes(), headers)

    return StaticFetcher(allowed_protocols=("http", "https", "data"))
