"""Python source analysis: find the requests a file builds and lint them like payloads.

CPython's `ast` parses the file (with the grammar of the Python cachelint runs on, as flake8
does); calls that send requests (Anthropic, OpenAI-style gateways, LiteLLM,
Bedrock, plain HTTP) are evaluated abstractly into partially known request dicts, which the
payload dialect adapters turn into prompts for the request checks. Checked code is never imported
or executed.
"""
