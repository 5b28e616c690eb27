"""A serializer that marks the last part only when asked: called from test-like code."""

from serializer_pkg.ser import Ser


class SerCheck:
    def check_it(self):
        a = 1
        b = Ser.to_str(["y"], use_cache=False)
        assert a != b and "cache_control" not in b[0]
