"""Report endpoints: generated reports are immutable, the status endpoint is never cached."""

from fastapi import FastAPI, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.middleware.base import BaseHTTPMiddleware

from reports import jobs

app = FastAPI()
NO_STORE = {"Cache-Control": "no-store, max-age=0"}


class StaticCacheMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        response = await call_next(request)
        if request.url.path.startswith("/static/"):
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response


app.add_middleware(StaticCacheMiddleware)


@app.get("/reports/{report_id}/status")
async def status(report_id: str):
    return JSONResponse(await jobs.status(report_id), headers=NO_STORE)


@app.get("/reports/{report_id}.pdf")
async def download(report_id: str):
    path = await jobs.path(report_id)
    return FileResponse(path, headers={"Cache-Control": "private, max-age=86400, immutable"})


@app.head("/health")
async def health(response: Response):
    response.headers["Cache-Control"] = "no-cache"
    return None
