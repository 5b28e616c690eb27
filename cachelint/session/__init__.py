"""Conversation analysis: a request log read as conversations, and the cache misses between turns.

`request_print` keeps a compact print of each request (block digests, breakpoints, key fields,
text sketches), `conversations` groups requests into conversations, `compare` explains what
changed between two requests, and `analyzer` runs the session rules and builds findings.
"""
