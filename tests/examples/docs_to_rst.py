"""Generate the docsite's guides (docs/docsite/rst/*.rst) from the Markdown guides in docs/.

    python tests/examples/docs_to_rst.py           # write docs/docsite/rst/
    python tests/examples/docs_to_rst.py --check   # exit 1 if the committed RST is stale

The Markdown pages are the one source: they read well on GitHub and their examples are
tested (tests/examples). antsibull-docs wants reStructuredText, so this converts the small
Markdown subset the guides use (headings, paragraphs, lists, pipe tables, fenced code,
inline code, emphasis, links) and refuses anything else rather than guess. A link to a
page or heading that does not exist is an error; links to other guides become :ref:s, links
to files of the repository become absolute links to it (they would break on Galaxy).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = "https://github.com/webcom-mobi/ansible-collection-webcom-mobi/blob/main"
LABEL_PREFIX = "ansible_collections.webcom.mobi.docsite."
# Every docs/*.md is a guide on the docsite, these first, the rest by name; the pages for
# contributors stay on GitHub only.
GUIDE_ORDER = ("getting-started", "options", "capacity", "senders", "errors", "hosts", "security", "simulator", "awx",
               "monitoring", "performance")
NOT_ON_THE_DOCSITE = ("testing", "contributing")
HEADING_UNDERLINES = {1: "=", 2: "-", 3: "~", 4: "^"}
CODE_LANGUAGES = {"yaml": "yaml", "yml": "yaml", "sh": "shell", "shell": "shell", "console": "console",
                  "json": "json", "ini": "ini", "text": "text", "": "text", "python": "python", "jinja": "jinja"}
LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)")
CODE_SPAN = re.compile(r"(`+)(?P<code>.+?)\1", re.S)
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<info>\S*)\s*$")
COMMENT = re.compile(r"^\s*<!--.*-->\s*$")


class ConversionError(ValueError):
    pass


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*]", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def page_label(page: str) -> str:
    return LABEL_PREFIX + page


def heading_label(page: str, heading_anchor: str) -> str:
    return f"{LABEL_PREFIX}{page}.{heading_anchor}"


def guides(root: Path) -> list[str]:
    pages = {path.stem for path in (root / "docs").glob("*.md")} - set(NOT_ON_THE_DOCSITE)
    return [page for page in GUIDE_ORDER if page in pages] + sorted(pages - set(GUIDE_ORDER))


def headings_of(root: Path, page: str) -> set[str]:
    text = (root / "docs" / f"{page}.md").read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {anchor(match[1]) for match in re.finditer(r"^#{1,4} (.+)$", text, re.M)}


class Converter:
    def __init__(self, root: Path, page: str) -> None:
        self.root = root
        self.page = page
        self.pages = guides(root)
        self.anchors = {name: headings_of(root, name) for name in self.pages}

    def link(self, text: str, target: str, where: str) -> str:
        text = re.sub(r"[`*]", "", text)
        if re.match(r"https?://", target):
            return f"`{text} <{target}>`__"
        path, fragment = (target.split("#", 1) + [""])[:2]
        if not path:
            path = f"{self.page}.md"
        resolved = (self.root / "docs" / path).resolve()
        if not resolved.exists():
            raise ConversionError(f"{where}: link to {target!r}, which does not exist")
        name = resolved.stem
        if resolved.parent == self.root / "docs" and resolved.suffix == ".md" and name in self.pages:
            if fragment and fragment not in self.anchors[name]:
                raise ConversionError(f"{where}: link to {target!r}: {name}.md has no heading #{fragment}")
            label = heading_label(name, fragment) if fragment else page_label(name)
            if re.fullmatch(r"[\w.-]+\.md(#[\w-]+)?", text):
                return f":ref:`{label}`"   # a bare file name reads better as the page's title
            return f":ref:`{text} <{label}>`"
        relative = resolved.relative_to(self.root).as_posix()
        return f"`{text} <{REPOSITORY}/{relative}{'#' + fragment if fragment else ''}>`__"

    def inline(self, text: str, where: str) -> str:
        out = []
        position = 0
        for match in CODE_SPAN.finditer(text):
            out.append(self.prose(text[position:match.start()], where))
            out.append(literal(" ".join(match["code"].split()), text[match.start() - 1: match.start()], text[match.end(): match.end() + 1]))
            position = match.end()
        out.append(self.prose(text[position:], where))
        return "".join(out)

    def prose(self, text: str, where: str) -> str:
        if "`" in text:
            raise ConversionError(f"{where}: an unpaired backtick")
        text = text.replace("\\", "\\\\")
        text = re.sub(r"(?<=\w)_(?=\W|$)", r"\\_", text)   # "word_" would be an RST reference
        text = text.replace("|", "\\|")
        return LINK.sub(lambda m: self.link(m["text"], m["target"], where), text)

    def table(self, rows: list[str], where: str) -> list[str]:
        cells = [split_row(row) for row in rows]
        if len(cells) < 2 or not all(re.fullmatch(r":?-{3,}:?", cell.strip()) for cell in cells[1]):
            raise ConversionError(f"{where}: a table without a header separator row")
        body = [cells[0], *cells[2:]]
        width = len(cells[0])
        lines = [".. list-table::", "   :header-rows: 1", ""]
        for row in body:
            if len(row) != width:
                raise ConversionError(f"{where}: a table row with {len(row)} cells, the header has {width}")
            for number, cell in enumerate(row):
                content = self.inline(cell.strip(), where) or " "
                lines.append(("   * - " if number == 0 else "     - ") + content)
        return [*lines, ""]

    @staticmethod
    def special(line: str) -> bool:
        return bool(re.match(r"^#{1,4} ", line) or FENCE.match(line) or line.startswith("|") or COMMENT.match(line))

    def convert(self) -> str:
        source = (self.root / "docs" / f"{self.page}.md").read_text(encoding="utf-8").splitlines()
        out = [f".. _{page_label(self.page)}:", ""]
        index = 0
        while index < len(source):
            line = source[index]
            where = f"docs/{self.page}.md:{index + 1}"
            heading = re.match(r"^(#{1,4}) (.+)$", line)
            fence = FENCE.match(line)
            if COMMENT.match(line):
                index += 1
            elif heading:
                level, title = len(heading[1]), heading[2].strip()
                rendered = self.inline(title, where)
                if level > 1:
                    out += [f".. _{heading_label(self.page, anchor(title))}:", ""]
                out += [rendered, HEADING_UNDERLINES[level] * max(len(rendered), 4), ""]
                index += 1
            elif fence:
                language = fence["info"].lower()
                if language not in CODE_LANGUAGES:
                    raise ConversionError(f"{where}: a code block in {language!r}, which the converter does not know")
                end = index + 1
                while end < len(source) and not re.match(r"^\s*```\s*$", source[end]):
                    end += 1
                if end == len(source):
                    raise ConversionError(f"{where}: a code block that never closes")
                indent = fence["indent"]
                body = [text[len(indent):] if text.startswith(indent) else text.lstrip() for text in source[index + 1:end]]
                if out and out[-1] != "":
                    out.append("")
                out += [f"{indent}.. code-block:: {CODE_LANGUAGES[language]}", ""]
                out += [f"{indent}   {text}".rstrip() for text in body] + [""]
                index = end + 1
            elif line.startswith("|"):
                end = index
                while end < len(source) and source[end].startswith("|"):
                    end += 1
                if out and out[-1] != "":
                    out.append("")
                out += self.table(source[index:end], where)
                index = end
            elif line.lstrip().startswith("<") and not line.lstrip().startswith("<http"):
                raise ConversionError(f"{where}: raw HTML, which the converter does not know")
            elif not line.strip():
                out.append("")
                index += 1
            else:
                end = index
                while end < len(source) and source[end].strip() and not self.special(source[end]):
                    end += 1
                # One paragraph (or list) at a time: a code span or a link may cross a line break.
                lines = self.inline("\n".join(source[index:end]), where).split("\n")
                out += paragraph_then_list(lines)
                index = end
        text = "\n".join(out).rstrip() + "\n"
        return re.sub(r"\n{3,}", "\n\n", text)


def paragraph_then_list(lines: list[str]) -> list[str]:
    """RST needs a blank line between a paragraph and a list that follows it."""
    out: list[str] = []
    for line in lines:
        if re.match(r"^\s*(?:[-*]|\d+\.) ", line) and out and not re.match(r"^\s*(?:[-*]|\d+\.) |^\s+\S", out[-1]):
            out.append("")
        out.append(line.rstrip())
    return out


def split_row(row: str) -> list[str]:
    """The cells of a pipe-table row; a | inside a code span is part of the cell."""
    cells, current, in_code = [], "", False
    for char in row.strip().strip("|"):
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append(current)
            current = ""
        else:
            current += char
    return [*cells, current]


def literal(code: str, before: str, after: str) -> str:
    # RST inline markup must not touch a letter: an escaped space separates it invisibly.
    lead = "\\ " if before and (before.isalnum() or before in "_") else ""
    tail = "\\ " if after and (after.isalnum() or after in "_") else ""
    return f"{lead}``{code}``{tail}"


def generated(root: Path = REPO_ROOT) -> dict[Path, str]:
    """Every RST file the docsite's guides need, by path."""
    rst = root / "docs" / "docsite" / "rst"
    return {rst / f"{page}.rst": Converter(root, page).convert() for page in guides(root)}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    rst = REPO_ROOT / "docs" / "docsite" / "rst"
    wanted = generated()
    stale = [path for path, text in wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    stray = [path for path in rst.glob("*.rst") if path not in wanted] if rst.is_dir() else []
    if check:
        for path in stale + stray:
            print(f"{path.relative_to(REPO_ROOT)} is not what docs_to_rst.py makes of docs/: run python tests/examples/docs_to_rst.py")
        return 1 if stale or stray else 0
    rst.mkdir(parents=True, exist_ok=True)
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
    for path in stray:
        path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
