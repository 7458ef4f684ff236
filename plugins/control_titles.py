"""A table page's own controls name each column as its headers do (plugins/facet_titles.py): the
filter rows' column selects, the sort select, the sentence above the table ("where Platform
(platform_id) = "telegram" sorted by value", and the page's title), the suggested facets and the
facets that timed out. Datasette wrote each with the column's name alone: platform_id,
request_type_id, source_locator.

Only what a reader sees changes. Every option's value is the column's name, as Datasette sends it
(the names are what ``?platform_id=``, ``_sort=`` and the JSON use): a filter row's options, which
Datasette writes as ``<option>platform_id</option>`` (the browser sends the text), get the name as
their value when their text turns into the title. The JSON's ``human_description_en`` is
Datasette's. A column a user picks for a filter, and the filter described above the table, is
named by its title, then its name in brackets: the name is what a filter typed into the address
uses. The sort select needs no name to type: "Sort by Platform".

Datasette writes the filter form in its page's one ``content`` block, which no smaller block or
include holds (copying it would fork its page): templates/table.html hands that block's HTML to
``titled_controls``, which reads the form with the standard library's HTML parser and rewrites
only the options of those selects.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from datasette import hookimpl
from datasette.filters import Filters
from markupsafe import Markup

FILTER_COLUMN = re.compile(r"_filter_column(_\d+)?")
SORT = "_sort"
FORM_START = '<form class="filters"'


def label(column: str, found: dict[str, str] | None) -> str:
    """A column as a reader should read it: its title, then its name in brackets; the name alone
    for a column ``found`` gives no title."""
    title = (found or {}).get(column)
    return f"{title} ({column})" if title else column


class ColumnOptions(HTMLParser):
    """The options of a form's column selects (its filter rows' and its sort), each with where it
    starts and ends in the form's text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.select: str | None = None
        self.option: dict | None = None
        self.options: list[dict] = []
        self.feed(text)
        self.close()

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            name = dict(attrs).get("name") or ""
            self.select = name if name == SORT or FILTER_COLUMN.fullmatch(name) else None
        elif tag == "option" and self.select:
            self.option = {"select": self.select, "attrs": attrs, "start": self.position(), "text": ""}

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data

    def handle_endtag(self, tag):
        if tag == "option" and self.option is not None:
            self.option["end"] = self.position() + len("</option>")
            self.options.append(self.option)
            self.option = None
        elif tag == "select":
            self.select = None


def option_html(option: dict, found: dict[str, str]) -> str | None:
    """The option, its text the column's title, its value the column's name; None for one that
    names no column with a title ("- column -", "Sort...")."""
    attrs = dict(option["attrs"])
    text = " ".join(option["text"].split())
    column = attrs.get("value", text)
    if not found.get(column):
        return None
    if option["select"] == SORT:
        # Datasette's wording ("Sort by platform_id"), the title for the name.
        shown = text.removesuffix(column) + found[column] if text.endswith(column) else found[column]
    else:
        shown = label(column, found)
    attrs["value"] = column
    written = "".join(f" {key}" if value is None else f' {key}="{escape(value)}"' for key, value in attrs.items())
    return f"<option{written}>{escape(shown)}</option>"


def titled_controls(html: str, found: dict[str, str] | None) -> Markup:
    """A table page's ``html`` with the options of its filter form's column selects showing each
    column's title (``found``); the rest of it as it was."""
    html = str(html)
    start = html.find(FORM_START)
    end = html.find("</form>", start)
    if not found or start < 0 or end < 0:
        return Markup(html)
    form = html[start:end]
    pieces, done = [], 0
    for option in ColumnOptions(form).options:
        written = option_html(option, found)
        if written is None or "end" not in option:
            continue
        pieces += [form[done : option["start"]], written]
        done = option["end"]
    return Markup(html[:start] + "".join(pieces) + form[done:] + html[end:])


def clause(column: str, lookup: str, value: str) -> str | None:
    """Datasette's words for one filter ("platform_id = "telegram""), None for a lookup it does
    not know (and ignores)."""
    said = Filters([(f"{column}__{lookup}", value)]).human_description_en()
    return said.removeprefix("where ") if said else None


def joined(bits: list[str]) -> str:
    """Bits as Datasette joins them: commas, then " and " before the last."""
    return " and ".join(part for part in (", ".join(bits[:-1]), bits[-1]) if part)


def titled_description(description: str, filters, sort: str | None, sort_desc: str | None, found) -> str:
    """Datasette's sentence above a table ("where platform_id = "telegram" sorted by value
    descending") with each filtered or sorted column named by its title and name. What other
    filters add before the columns' (a search, ``_through``) stays as Datasette says it."""
    if not found or not description:
        return description
    text, sorted_by = description, ""
    for column, descending in ((sort, False), (sort_desc, True)):
        said = f"sorted by {column}{' descending' if descending else ''}" if column else None
        if said and (text == said or text.endswith(" " + said)):
            text = text[: -len(said)].rstrip(" ")
            sorted_by = f"sorted by {label(column, found)}{' descending' if descending else ''}"
    raw, titled = [], []
    for column, lookup, value in filters.selections() if filters is not None else ():
        bit = clause(column, lookup, value)
        if bit is not None:
            raw.append(bit)
            titled.append(clause(label(column, found), lookup, value))
    if raw and text == "where " + joined(raw):
        text = "where " + joined(titled)
    elif raw:
        # Datasette puts the other filters' words first: the columns' are the sentence's end.
        tail = (", " + ", ".join(raw[:-1]) if len(raw) > 1 else "") + " and " + raw[-1]
        if text.endswith(tail):
            text = (
                text[: -len(tail)] + (", " + ", ".join(titled[:-1]) if len(titled) > 1 else "") + " and " + titled[-1]
            )
    return " ".join(part for part in (text, sorted_by) if part)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["titled_controls"] = titled_controls
    env.filters["titled_description"] = titled_description
    env.filters["column_label"] = label
