"""Privacy scan: looks for the extracts' identifiers (logins, names, IP addresses) in what the
warehouse writes (RGPD, issue #7), for tests/test_privacy.py.

`identifiers` reads what to look for from the landing files themselves (every field of every line,
classified by its shape); `scan` finds it in files, folders and databases.

Independent of the code it checks: it imports nothing of the warehouse (not the loader
orchestration.extracts.load, not the extract contract orchestration.extracts.contract, nothing of
orchestration outside this package), so that a bug there cannot hide a leak; tests/test_privacy.py
checks this.
"""
