"""A tiny HTML query helper for tests: parse a page, find elements by tag and attributes."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Element):
                yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements by tag; attrs match exactly, except class_ which matches one class."""
        found = []
        for el in self.iter():
            if tag and el.tag != tag:
                continue
            ok = True
            for key, want in attrs.items():
                if key == "class_":
                    ok = want in (el.attrs.get("class") or "").split()
                else:
                    ok = el.attrs.get(key.replace("_", "-")) == want
                if not ok:
                    break
            if ok:
                found.append(el)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Element | None:
        hits = self.find_all(tag, **attrs)
        return hits[0] if hits else None

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        hits = self.find_all(tag, **attrs)
        assert len(hits) == 1, f"expected one <{tag} {attrs}>, found {len(hits)}"
        return hits[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: (v if v is not None else "") for k, v in attrs})
        self.stack[-1].children.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def csrf_of(html: str) -> str:
    field_ = parse(html).find("input", name="csrf_token")
    assert field_ is not None, "no csrf_token field on the page"
    return field_.get("value") or ""


def form_fields(html: str, **form_attrs: str) -> dict[str, str]:
    """The hidden and text fields of the one form matching ``form_attrs`` (e.g. id=...), with
    the values the page gives them: what a browser sends when its button is pressed."""
    form = parse(html).one("form", **form_attrs)
    values: dict[str, str] = {}
    for el in form.iter():
        name = el.get("name")
        if el.tag == "input" and name and el.get("type") not in ("checkbox", "radio", "submit"):
            values[name] = el.get("value") or ""
        elif el.tag == "textarea" and name:
            values[name] = el.text
    return values
