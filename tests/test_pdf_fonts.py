"""The PDF prints with the Chinese fonts the project ships, whatever fonts the host has.

The decisive tests run WeasyPrint in a child process whose fontconfig knows no font at all
(FONTCONFIG_FILE pointing at an empty configuration), as on a fresh server with only Python.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from studytrack import PACKAGE_DIR, config
from studytrack.exports import pdf

FONTS = PACKAGE_DIR / "static" / "vendor" / "noto-cjk"
CATALOGUE = PACKAGE_DIR / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
TEMPLATES = PACKAGE_DIR.parent / "templates"
HEAD = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
    '<link rel="stylesheet" href="/static/css/report_pdf.css"></head><body>'
)

# Renders its argv[1] (HTML) with the app's font set-up, system fonts preferred from argv[2],
# and prints the PostScript names of the fonts the PDF embeds and the characters each draws.
RENDER = textwrap.dedent("""
    import io, json, sys
    from pypdf import PdfReader
    from studytrack.exports import pdf
    data = pdf.report_pdf(sys.argv[1], base_url="http://localhost/", system_fonts=sys.argv[2])
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            name = str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
            fonts.setdefault(name, "")
    print(json.dumps(sorted(fonts)))
""")


def fontconfig_with(tmp_path: Path, *folders: Path) -> dict[str, str]:
    """An environment whose fontconfig sees only the fonts in `folders` (none: no font)."""
    dirs = "".join(f"<dir>{folder}</dir>" for folder in folders)
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig>{dirs}<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return {"FONTCONFIG_FILE": str(conf), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}


def embedded_fonts(html: str, env: dict[str, str], system_fonts: str = "") -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", RENDER, html, system_fonts],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_a_host_without_any_font_prints_chinese_with_the_shipped_fonts(tmp_path: Path) -> None:
    html = (
        f"{HEAD}<h1>学习记录</h1><p>深入学习贯彻党的二十届四中全会精神，"
        "喆、堃、赟（人名用字）。</p><table><tr><th>出勤情况</th></tr></table></body></html>"
    )
    fonts = embedded_fonts(html, fontconfig_with(tmp_path))
    # body text in the serif, heading and table in the sans (bold), rare hanzi in the extra
    assert {"StudyTrack-Serif", "StudyTrack-Sans-Bold", "StudyTrack-Extra"} <= set(fonts)


def test_an_installed_font_named_in_the_setting_is_preferred_for_body_text(
    tmp_path: Path,
) -> None:
    # A "system" font: the shipped serif, decoded to OpenType under a family name of its own.
    system = tmp_path / "system-fonts"
    system.mkdir()
    font = TTFont(FONTS / "NotoSerifSC-Regular.woff2")
    font.flavor = None
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "Office Song"
        elif record.nameID == 6:
            record.string = "OfficeSong-Regular"
    font.save(system / "OfficeSong.otf")
    html = f"{HEAD}<h1>学习记录</h1><p>正文用宋体。</p></body></html>"
    env = fontconfig_with(tmp_path, system)

    assert "Office-Song" in embedded_fonts(html, env, "Office Song")
    # a family not installed falls back to the shipped fonts
    fonts = embedded_fonts(html, env, "仿宋_GB2312, Not Installed")
    assert "StudyTrack-Serif" in fonts and "Office-Song" not in fonts


def font_characters() -> set[str]:
    covered: set[str] = set()
    for path in FONTS.glob("*.woff2"):
        covered.update(chr(code) for code in TTFont(path).getBestCmap())
    return covered


def test_the_shipped_fonts_draw_every_character_of_the_app_and_its_print_template() -> None:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    text = "".join(
        message.string if isinstance(message.string, str) else "".join(message.string)
        for message in catalogue
        if message.id
    )
    text += (TEMPLATES / "reports" / "session_report_pdf.html").read_text(encoding="utf-8")
    text += "喆堃赟昇玥珺璟旻晗晟祎琰彧槿翀淼焱垚犇鑫"  # hanzi of names, many beyond GB 2312
    wanted = {char for char in text if char.isprintable() and not char.isspace()}

    assert wanted - font_characters() == set()


@pytest.mark.parametrize("value", ['宋体"; } body { color: red', "SimSun;", "a{b}"])
def test_the_system_fonts_setting_refuses_what_is_not_a_family_name(
    tmp_path: Path, value: str
) -> None:
    settings = {**vars_of(config.Config), "PDF_SYSTEM_FONTS": value}
    with pytest.raises(config.ConfigurationError, match="PDF_SYSTEM_FONTS"):
        config.finalize(settings, tmp_path)


def test_the_system_fonts_setting_takes_names_in_any_script(tmp_path: Path) -> None:
    settings = {**vars_of(config.Config), "PDF_SYSTEM_FONTS": "FangSong, 仿宋_GB2312, Songti SC"}
    config.finalize(settings, tmp_path)
    assert pdf.font_families(settings["PDF_SYSTEM_FONTS"]) == [
        "FangSong",
        "仿宋_GB2312",
        "Songti SC",
    ]


def vars_of(cls: type) -> dict[str, object]:
    return {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
