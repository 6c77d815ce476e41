"""The ASGI entry point for servers: ``uvicorn opencmc.web.asgi:app``."""

from opencmc.web.app import create_app

app = create_app()
