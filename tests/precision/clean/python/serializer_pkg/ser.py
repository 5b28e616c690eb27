"""Blocks serialised with a cache flag that only the last part gets (`use_cache and is_last`)."""

from anthropic.types import CacheControlEphemeralParam, TextBlockParam


class Ser:
    @staticmethod
    def _cc(use_cache: bool):
        if use_cache:
            return CacheControlEphemeralParam(type="ephemeral")
        return None

    @staticmethod
    def _part(part, use_cache: bool) -> TextBlockParam:
        return TextBlockParam(text=part.text, type="text", cache_control=Ser._cc(use_cache))

    @staticmethod
    def to_str(content, use_cache: bool = False):
        cache_control = Ser._cc(use_cache)
        if isinstance(content, str):
            if cache_control:
                return [TextBlockParam(text=content, type="text", cache_control=cache_control)]
            return content
        blocks = []
        for i, part in enumerate(content):
            is_last = i == len(content) - 1
            if part.type == "text":
                blocks.append(Ser._part(part, use_cache=use_cache and is_last))
        return blocks
