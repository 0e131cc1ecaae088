"""GraphiQL and React, vendored so the GraphiQL page works offline and under a strict CSP.

Served by the app under /static/; see LICENSES.txt for versions and licenses.
"""
