"""The "derived" badge, as every page and table cell shows it.

Not a plugin (no hooks): the plugins that show the badge import it as ``_badges``, with plugins/
on the import path, as they import ``_responses``. A badge that said "derived" and nothing more
left a reader guessing what it meant: it carries the meaning as its title (hover text, and a
screen reader's description of the link) and links to the API page's section on derived figures.
"""

from __future__ import annotations

import markupsafe

DERIVED_TITLE = (
    "Derived: computed by this dataset's build from figures the platform reported (a sum or a difference); "
    "no source published this number. Follow the link for how figures are derived."
)
# The section of templates/pages/api.html that explains derived figures.
DERIVED_SECTION = "api#derived"


def derived_badge(datasette) -> markupsafe.Markup:
    return markupsafe.Markup('<a class="derived-badge" href="{0}" title="{1}">derived</a>').format(
        datasette.urls.path(DERIVED_SECTION), DERIVED_TITLE
    )
