"""A Python Worker that keeps its D1 database at the schema in ``notes_app.py``.

    GET  /notes                 list the notes
    POST /notes {"body": "..."} add one

The schema, the sync and the API live in ``notes_app.py`` (which does not import ``workers``);
this file is the Cloudflare glue. Deploy with ``uv run pywrangler deploy`` (see README.md).
"""

import json
from urllib.parse import urlparse

import notes_app
from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        url = urlparse(request.url)
        body = await request.text() if request.method == "POST" else ""
        # The first request of each isolate syncs the schema (one D1 round-trip when nothing
        # changed); a failing sync answers 500 and changes nothing, and the next request retries.
        status, value = await notes_app.handle(self.env.DB, request.method, url.path, body)
        return Response(
            json.dumps(value), status=status, headers={"content-type": "application/json"}
        )
