"""The ASGI entry point for servers: ``uvicorn opencmc.web.asgi:app``."""

import gc

from opencmc.web.app import create_app

app = create_app()

# What is loaded by now (the libraries, the app) lives as long as the server: keep the
# garbage collector from walking it again and again while requests are served.
gc.freeze()
