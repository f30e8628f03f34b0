"""PDF with WeasyPrint, from the dedicated print template.

The Chinese fonts come with the project (static/vendor/noto-cjk, declared in
static/css/pdf_fonts.css), so a PDF prints the same on a server without any Chinese system
font. They are decoded and registered once per process (`load_fonts`, called by gunicorn's
workers as they start; otherwise by the first PDF) and shared by every PDF after that.
Stylesheets and images are read from the package's static folder by `StaticFetcher`; nothing
is ever fetched from the network.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import mimetypes
import multiprocessing
import re
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from studytrack import PACKAGE_DIR

STATIC_FOLDER = PACKAGE_DIR / "static"
STATIC_URL_PATH = "/static/"
FONTS_STYLESHEET = STATIC_FOLDER / "css" / "pdf_fonts.css"
SHIPPED_BODY_FONTS = '"StudyTrack Serif", "StudyTrack Extra", serif'

# One font configuration per process, shared by every PDF: WeasyPrint's is not made for
# threads, so PDFs are drawn one at a time (they are bound by the interpreter lock anyway).
_render_lock = threading.Lock()


@atexit.register
def _unload_fonts() -> None:
    """Drop the font configurations while the interpreter still runs: each removes the
    folder of decoded fonts it wrote (tens of MB in /tmp), which at interpreter shutdown
    it could not."""
    _font_stylesheets.cache_clear()


def load_fonts() -> None:
    """Decode and register the shipped fonts now rather than on the first PDF (about 1.5 s)."""
    with _render_lock:
        _font_stylesheets("")


@functools.cache
def _font_stylesheets(system_fonts: str) -> tuple[Any, list[Any]]:
    """(font configuration, stylesheets): the shipped fonts, and when `system_fonts` names
    installed families (STUDYTRACK_PDF_SYSTEM_FONTS), those first for body text."""
    if system_fonts:
        config, sheets = _font_stylesheets("")
        families = ", ".join(f'"{name}"' for name in font_families(system_fonts))
        weasyprint = _import_weasyprint()
        rule = f"html {{ font-family: {families}, {SHIPPED_BODY_FONTS} !important; }}"
        body = weasyprint.CSS(string=rule, font_config=config)
        return config, [*sheets, body]
    weasyprint = _import_weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    return config, [weasyprint.CSS(filename=str(FONTS_STYLESHEET), font_config=config)]


def font_families(setting: str) -> list[str]:
    """The family names of a comma-separated setting ("FangSong, 仿宋"); config checks them."""
    return [name.strip() for name in setting.split(",") if name.strip()]


def report_pdf(
    html: str,
    base_url: str,
    static_folder: Path | str | None = None,
    static_url: str = STATIC_URL_PATH,
    system_fonts: str = "",
) -> bytes:
    """Render `html` (the print template) to PDF bytes.

    Relative and root-relative URLs resolve against `base_url` (the app's root URL); those
    whose path starts with `static_url` ("/static/", or "/prefix/static/" behind a proxy
    prefix) are read from `static_folder` (the package's static folder by default); every
    other URL is refused. `system_fonts` lists installed font families to prefer for body
    text ("FangSong, SimSun"); the shipped fonts stand in for any that is missing.
    """
    weasyprint = _import_weasyprint()
    fetcher = _static_fetcher(Path(static_folder or STATIC_FOLDER), base_url, static_url)
    document = weasyprint.HTML(string=without_emoji(html), base_url=base_url,
                               url_fetcher=fetcher)
    with _render_lock:
        font_config, stylesheets = _font_stylesheets(system_fonts)
        return bytes(document.write_pdf(stylesheets=stylesheets, font_config=font_config))


@contextlib.contextmanager
def renderers(processes: int) -> Iterator[ProcessPoolExecutor]:
    """`processes` processes of their own that render PDFs (`pool.submit(report_pdf, …)`),
    for a job with many: WeasyPrint holds the interpreter lock, so threads would draw one at
    a time. Spawned, not forked (the worker has threads of its own); each loads the fonts
    once, as it starts."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context,
                             initializer=load_fonts) as pool:
        yield pool


# The pictographic emoji (U+1F000-1FAFF: faces, hands, flags, skin tones) and what joins or
# dresses them (variation selector 16, the zero-width joiner, tags). Neither the shipped fonts
# nor a server's Chinese fonts draw them, so WeasyPrint would print each as an empty box: the
# PDF leaves them out; the page and the Word file keep them. Older symbols (★ ✓ ☆ ❤) stay.
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
