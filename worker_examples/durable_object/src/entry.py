"""A Python Worker whose Durable Object keeps its SQLite schema in sync on every start.

    GET  /notes?room=NAME                 list the notes of the Durable Object NAME
    POST /notes?room=NAME {"body": "..."} add one

The schema, the sync and the API live in ``notes_app.py`` (which does not import ``workers``);
this file is the Cloudflare glue. Deploy with ``uv run pywrangler deploy`` (see README.md).
"""

import json
from urllib.parse import parse_qs, urlparse

import notes_app
from workers import DurableObject, Response, WorkerEntrypoint


def json_response(value, status=200):
    return Response(json.dumps(value), status=status, headers={"content-type": "application/json"})


class NotesObject(DurableObject):
    def __init__(self, ctx, env):
        super().__init__(ctx, env)
        # Runs inline_sync.sync(ctx.storage, definitions=notes_app.SCHEMA) inside
        # ctx.blockConcurrencyWhile: no request reaches fetch() before the schema is in place.
        # If the sync fails (say, a new UNIQUE index over duplicate rows), nothing is changed,
        # the runtime resets the object, the waiting request fails with the error, and the next
        # request tries again.
        notes_app.start(ctx, notes_app.SCHEMA)

    async def fetch(self, request):
        url = urlparse(request.url)
        body = await request.text() if request.method == "POST" else ""
        status, value = notes_app.handle(self.ctx.storage, request.method, url.path, body)
        return json_response(value, status)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        url = urlparse(request.url)
        if not url.path.startswith("/notes"):
            return json_response({"error": "try GET /notes?room=demo"}, 404)
        room = parse_qs(url.query).get("room", ["demo"])[0]
        # One Durable Object per room; each syncs its own SQLite when it starts.
        stub = self.env.NOTES.get(self.env.NOTES.idFromName(room))
        return await stub.fetch(request)
