"""The REST API's cross-cutting pieces: token auth, throttling, errors, pagination, rendering.

Each app's endpoints live in ``<app>/api/``; ``poverty/api/urls.py`` gathers them under
``/api/v1/``. Reads go through poverty.scoping.visible_to, writes through the apps' services.
"""
