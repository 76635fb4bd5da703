"""The web app: server-rendered pages for the window, the bureau and analysts, and the JSON API.

``app.py`` assembles it; ``routes/`` holds one module per area; ``templates/`` and ``static/``
what the browser gets; ``locales/`` the translation catalogs (English is the source language).
"""
