"""A judge compares candidates two at a time through the project's model wrapper: each
comparison is its own request, built fresh with one breakpoint on the shared context, and every
request is kept in a log for later review. The log grows; no request does."""


class Judge:
    def __init__(self, llm) -> None:
        self._llm = llm  # the project's wrapper around LiteLLM

    def comparison(self, context: str, first: str, second: str) -> list[dict]:
        mark = {"cache_control": {"type": "ephemeral"}}
        return [
            {"role": "user", "content": [{"type": "text", "text": context, **mark}]},
            {"role": "user", "content": f"First: {first}\nSecond: {second}\nAnswer 1 or 2."},
        ]

    def tournament(self, context: str, candidates: list[str]) -> tuple[str, list[dict]]:
        best, audit = 0, []
        for i in range(1, len(candidates)):
            messages = self.comparison(context, candidates[best], candidates[i])
            verdict = self._llm.query(messages)["message"]
            audit.append({"between": (best, i), "messages": messages})
            if verdict.strip() == "2":
                best = i
        return candidates[best], audit
