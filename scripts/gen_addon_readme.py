"""Write each addon's README.rst from its readme/*.md fragments, OCA-style.

OCA's generator (oca-gen-addon-readme) is not published on PyPI; this does
the same job for our fragments: DESCRIPTION, INSTALL, CONFIGURE, USAGE,
ROADMAP, CONTRIBUTORS, in that order, with the manifest's name and summary.
"""

import ast
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
SECTIONS = [
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("CONTRIBUTORS", "Contributors"),
]
UNDERLINES = {1: "=", 2: "~", 3: "^", 4: '"'}


def inline(text):
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`__", text)
    return re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)


def markdown_to_rst(markdown, level_offset=1):
    out, in_code = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            out.extend(["", "::", ""] if in_code else [""])
            continue
        if in_code:
            out.append("    " + line)
            continue
        heading = re.match(r"^(#+)\s+(.*)", line)
        if heading:
            title = inline(heading.group(2))
            char = UNDERLINES[min(len(heading.group(1)) + level_offset, 4)]
            out.extend([title, char * len(title), ""])
            continue
        out.append(inline(line))
    return "\n".join(out).strip() + "\n"


def render(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    readme = addon / "readme"
    name = manifest["name"]
    parts = [
        "=" * len(name),
        name,
        "=" * len(name),
        "",
        "..",
        "   This file is generated from readme/*.md by scripts/gen_addon_readme.py;",
        "   edit the fragments, not this file.",
        "",
        f"|license| **{manifest['summary']}**",
        "",
        ".. |license| image:: https://img.shields.io/badge/licence-"
        f"{manifest['license'].replace('-', '--')}-blue.png",
        "   :alt: License",
        "",
    ]
    description = readme / "DESCRIPTION.md"
    if description.exists():
        parts.append(markdown_to_rst(description.read_text()))
    parts.extend(["**Table of contents**", "", ".. contents::", "   :local:", ""])
    for fragment, title in SECTIONS:
        path = readme / f"{fragment}.md"
        if path.exists():
            parts.extend(
                [title, "=" * len(title), "", markdown_to_rst(path.read_text())]
            )
    parts.extend(
        [
            "Authors",
            "=======",
            "",
            *[f"* {author.strip()}" for author in manifest["author"].split(",")],
            "",
        ]
    )
    return "\n".join(parts)


def main():
    changed = []
    for manifest in sorted(REPO.glob("social_care*/__manifest__.py")):
        addon = manifest.parent
        target = addon / "README.rst"
        text = render(addon)
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            changed.append(str(target.relative_to(REPO)))
    for path in changed:
        print(f"regenerated {path}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
