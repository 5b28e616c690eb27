"""Request payloads (JSON, JSONL) turned into prompts."""
