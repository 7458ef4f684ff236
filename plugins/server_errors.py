"""A server error is the site's error page or the API's 500, whichever wrapper or view raised it.

An exception that reaches this wrapper, the outermost (plugins/layers.py), was answered by no one
inside: a plugin's wrapper failed (plugins/parameters.py, etags.py, any of them), or an error page
could not be written. The server answered it "Internal Server Error" as plain text, to a page and
to a ``.json`` alike. Here, while no answer has begun:

- a page (plugins/_responses.py's ``is_page_request``) is the site's error page, titled "Server
  error", with the API's generic message; its tags rewritten as plugins/landmarks.py does, which
  is inside this wrapper;
- a ``.json`` or ``.csv`` path is the API's ``{"ok": false, "status": 500, "error": ...}``;
- anything else (a static file) is that message as plain text;

never with the exception's text (a file path, SQL, a plugin's internals), and a HEAD without the
body. Being outside plugins/echoes.py and controls.py is no loss: the message quotes nothing the
client sent, and the page's one echo (the search box's value) is written without control
characters and left whole by echoes.py anyway. The traceback goes to the log (:data:`LOGGER`). An answer already begun cannot be replaced:
its exception goes on to the server, which ends the connection and logs it. An exception in a
view never gets here: Datasette's ``handle_exception`` hooks answer it (plugins/client_errors.py).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from datasette import hookimpl

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _landmarks import with_landmarks
from _responses import (
    HTML,
    SERVER_ERROR_MESSAGE,
    answered_if_raised,
    bodiless,
    error_page,
    is_json_request,
    is_page_request,
    send_message,
    send_response,
)

LOGGER = logging.getLogger("platform_disclosures.server")


async def server_error_page(datasette, scope, receive) -> bytes | None:
    """The site's page for a server error: the API's generic message, never the exception's text
    (the traceback is in the log). None when the page itself cannot be rendered, for the message
    as plain text."""
    try:
        return with_landmarks(await error_page(datasette, scope, receive, 500, SERVER_ERROR_MESSAGE))
    except Exception as error:
        LOGGER.error("the server error page could not be rendered for %s", scope.get("path", ""), exc_info=error)
        return None


# The outermost wrapper (plugins/layers.py): every other wrapper's exception passes through it.
@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def answered(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)

            async def server_error(error):
                method, path = scope.get("method", ""), scope.get("path", "")
                LOGGER.error("server error while answering %s %s", method, path, exc_info=error)
                as_json = is_json_request(scope)
                page = await server_error_page(datasette, scope, receive) if is_page_request(scope) else None
                out = bodiless(send) if method == "HEAD" else send
                if page is not None and not as_json:
                    return await send_response(out, 500, page, HTML)
                await send_message(out, 500, SERVER_ERROR_MESSAGE, as_json)

            await answered_if_raised(app, scope, receive, send, server_error)

        return answered

    return wrap
