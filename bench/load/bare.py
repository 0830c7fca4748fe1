"""The baseline: one trivial FastAPI endpoint, served exactly as ``rolefit serve`` serves the app
(uvicorn, one process, loopback). ``python bench/load/bare.py PORT``"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.post("/save")
async def save(request: Request) -> JSONResponse:
    await request.json()  # parse the body like the real save does
    return JSONResponse({"ok": True})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
