"""Rebuild the Chinese fonts the PDF export ships with (``studytrack/static/vendor/noto-cjk``).

The PDF must print Chinese on a machine that has no Chinese system font, so the project
carries its own: Noto Serif CJK SC and Noto Sans CJK SC (SIL Open Font License 1.1), cut down
to the characters an office document uses, as WOFF2:

- ``NotoSerifSC-Regular`` (body text), ``NotoSansSC-Regular`` and ``-Bold`` (titles, headings,
  tables, where official documents use 黑体): every character of GB 2312 (its 6,763 hanzi,
  punctuation, Greek, Cyrillic, pinyin), Latin-1, and the symbol blocks Chinese text uses;
- ``NotoSansSC-Extra``: the other hanzi of GBK (rarer characters, many of them in people's
  and places' names), regular weight only, the last font the PDF falls back to.

The source is Debian's ``fonts-noto-cjk`` package (version below); no root is needed::

    cd "$(mktemp -d)" && apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb .
    python scripts/subset_fonts.py usr/share/fonts/opentype/noto
    python scripts/vendor_manifest.py          # record the new files' SHA-256

It takes a few minutes (fontTools, bundled with WeasyPrint, does the work).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "studytrack" / "static" / "vendor" / "noto-cjk"
SOURCE_VERSION = "fonts-noto-cjk 1:20220127+repack1-1 (Debian 12)"

# Blocks beyond GB 2312 that Chinese office text uses: general punctuation, letterlike
# symbols (℃ №), number forms (Ⅰ Ⅻ), arrows, enclosed numbers (① ⑳), geometric shapes
# (■ ○), miscellaneous symbols and dingbats (★ ☑ ✓), CJK punctuation, full-width forms.
SYMBOL_BLOCKS = (
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x2000, 0x206F), (0x2100, 0x218F),
    (0x2190, 0x21FF), (0x2460, 0x24FF), (0x25A0, 0x25FF), (0x2600, 0x27BF),
    (0x3000, 0x303F), (0xFF00, 0xFFEF),
)
HANZI = range(0x3400, 0xA000)  # CJK Extension A and the Unified Ideographs

FACES = {
    # output name: (source collection, characters)
    "NotoSerifSC-Regular": ("NotoSerifCJK-Regular.ttc", "common"),
    "NotoSansSC-Regular": ("NotoSansCJK-Regular.ttc", "common"),
    "NotoSansSC-Bold": ("NotoSansCJK-Bold.ttc", "common"),
    "NotoSansSC-Extra": ("NotoSansCJK-Regular.ttc", "extra"),
}


def encodable(codepoint: int, encoding: str) -> bool:
    try:
        chr(codepoint).encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def common_characters() -> set[int]:
    """GB 2312 and the symbol blocks: what the Regular and Bold faces cover."""
    characters = {cp for start, end in SYMBOL_BLOCKS for cp in range(start, end + 1)}
    characters.update(cp for cp in range(0x00A0, 0x10000) if encodable(cp, "gb2312"))
    return characters


def extra_characters() -> set[int]:
    """The hanzi of GBK that GB 2312 lacks: what the Extra face covers."""
    return {cp for cp in HANZI if encodable(cp, "gbk") and not encodable(cp, "gb2312")}


def simplified_chinese_face(collection: Path) -> int:
    """The index of the SC (not Mono) face in one of Noto CJK's collections."""
    for index, font in enumerate(TTCollection(collection).fonts):
        family = font["name"].getDebugName(1) or ""
        if family.endswith(" SC") and "Mono" not in family:
            return index
    raise SystemExit(f"{collection}: no Simplified Chinese face")


def build(name: str, collection: Path, characters: set[int]) -> str:
    font = TTFont(collection, fontNumber=simplified_chinese_face(collection))
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # vertical forms, proportional punctuation, kerning
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters)
    subsetter.subset(font)
    target = OUTPUT / f"{name}.woff2"
    font.flavor = "woff2"
    font.save(target)
    return f"{target.relative_to(REPO_ROOT)}: {len(characters)} characters, " \
           f"{target.stat().st_size // 1024} KB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the folder holding Noto*CJK-*.ttc")
    args = parser.parse_args()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    charsets = {"common": common_characters(), "extra": extra_characters()}
    with ProcessPoolExecutor() as pool:
        jobs = [pool.submit(build, name, args.source / source, charsets[which])
                for name, (source, which) in FACES.items()]
        for job in jobs:
            print(job.result())
    print(f"source: {SOURCE_VERSION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
