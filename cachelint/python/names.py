"""Data: what a call or name stands for when its value is not known statically.

Names are canonical dotted names after import resolution (`from datetime import datetime as dt;
dt.now()` is `datetime.datetime.now`). A trailing `.*` matches every function of a module.
"""

from __future__ import annotations

import re

CURRENT_TIME = "the current time"  # how VOLATILE describes clock readings (a date can be cut)

# Calls whose result changes from one call to the next (CL301, CL304).
VOLATILE: dict[str, str] = {
    "datetime.datetime.now": "the current time (datetime.now())",
    "datetime.datetime.utcnow": "the current time (datetime.utcnow())",
    "datetime.datetime.today": "the current time (datetime.today())",
    "time.time": "the current time (time.time())",
    "time.time_ns": "the current time (time.time_ns())",
    "time.monotonic": "a clock reading (time.monotonic())",
    "time.monotonic_ns": "a clock reading (time.monotonic_ns())",
    "time.perf_counter": "a clock reading (time.perf_counter())",
    "time.perf_counter_ns": "a clock reading (time.perf_counter_ns())",
    "uuid.uuid1": "a fresh UUID (uuid.uuid1())",
    "uuid.uuid4": "a fresh UUID (uuid.uuid4())",
    "uuid.uuid6": "a fresh UUID (uuid.uuid6())",
    "uuid.uuid7": "a fresh UUID (uuid.uuid7())",
    "random.*": "a random value (random)",
    "secrets.*": "a random value (secrets)",
    "numpy.random.*": "a random value (numpy.random)",
    "os.urandom": "random bytes (os.urandom())",
    "os.getpid": "the process id (os.getpid())",
    "socket.gethostname": "the host name (socket.gethostname())",
    "platform.node": "the host name (platform.node())",
    "django.utils.timezone.now": "the current time (timezone.now())",
    "pendulum.now": "the current time (pendulum.now())",
    "arrow.now": "the current time (arrow.now())",
    "arrow.utcnow": "the current time (arrow.utcnow())",
    "pandas.Timestamp.now": "the current time (pd.Timestamp.now())",
    "nanoid.generate": "a random id (nanoid)",
    "shortuuid.uuid": "a random id (shortuuid)",
    "ulid.new": "a fresh ULID",
    "ulid.ULID": "a fresh ULID",
}

# Calls whose result is the date of the day: it changes once a day, which costs one cache miss a
# day (CL301's page: truncating the clock to the day is one of the fixes), so it is not reported.
DAILY: dict[str, str] = {
    "datetime.date.today": "today's date (date.today(), changes once a day)",
    "pendulum.today": "today's date (pendulum.today(), changes once a day)",
    "django.utils.timezone.localdate": "today's date (timezone.localdate(), changes once a day)",
}
DAILY_METHODS = frozenset({"date", "today"})  # datetime.now().date()
# strftime directives below a day: a format without them keeps only the date.
TIME_OF_DAY = re.compile(r"%[-_0^#]?[HIklMSfpXcTRrsLNGg+]")

# time functions that read the clock only when called without a time argument.
CLOCK_WITHOUT_ARGS: dict[str, str] = {
    "time.strftime": "the current time (time.strftime() without a time tuple)",
    "time.ctime": "the current time (time.ctime())",
    "time.asctime": "the current time (time.asctime())",
    "time.localtime": "the current time (time.localtime())",
    "time.gmtime": "the current time (time.gmtime())",
    "datetime.datetime.fromtimestamp": "",  # volatile only through its argument
    "django.utils.timezone.localtime": "the current time (timezone.localtime())",
}

# Shell commands whose output is the clock (subprocess.run(["date"]), os.popen("date")...).
CLOCK_COMMANDS = frozenset({"date", "uptime"})
SUBPROCESS_CALLS = frozenset(
    {
        "subprocess.run",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "subprocess.Popen",
        "os.popen",
        "os.system",
    }
)

# Calls and names whose value is external but the same from call to call.
STABLE: dict[str, str] = {
    "open": "a file's contents",
    "io.open": "a file's contents",
    "pathlib.Path.read_text": "a file's contents",
    "pathlib.Path.read_bytes": "a file's contents",
    "json.load": "a JSON file",
    "yaml.safe_load": "a YAML file",
    "yaml.load": "a YAML file",
    "tomllib.load": "a TOML file",
    "tomli.load": "a TOML file",
    "os.environ": "an environment variable",
    "os.environ.get": "an environment variable",
    "os.getenv": "an environment variable",
    "importlib.resources.read_text": "a package resource",
    "importlib.resources.files": "a package resource",
    "pkgutil.get_data": "a package resource",
    "django.conf.settings": "a setting",
}
# Template classes whose render combines the text with what it is given (strings.render).
TEMPLATES: dict[str, str] = {
    "string.Template": "string",
    "jinja2.Template": "jinja",
    "jinja2.environment.Template": "jinja",
    "jinja2.Environment": "environment",
    "jinja2.environment.Environment": "environment",
    "jinja2.sandbox.SandboxedEnvironment": "environment",
}
# Methods that fill a template with names, by engine; "unknown" for a template not known here.
RENDERS: dict[str, frozenset[str]] = {
    "string": frozenset({"substitute", "safe_substitute"}),
    "jinja": frozenset({"render", "render_async"}),
    "unknown": frozenset({"format", "format_map", "substitute", "safe_substitute", "render"}),
}
LOADED_TEMPLATES = frozenset({"get_template", "select_template", "get_or_select_template"})

STABLE_METHODS = frozenset({"read", "read_text", "read_bytes", "readlines", "getenv"})
STABLE_ROOTS = frozenset({"settings", "config", "conf", "cfg", "CONFIG", "SETTINGS", "env"})

# Parameters named like prompt content or configuration rather than per-request data.
CONTENT_PARAMETER = re.compile(
    r"(?i)prompt|instruction|system|template|persona|guideline|rules|tool|schema|doc|model|"
    r"config|setting|preamble|context_text|examples"
)

# Fields of a request object that name the deployment itself, the same in every request it
# serves (a Slack Bolt `context.bot_user_id`, a tenant's id): not per-request data.
DEPLOYMENT_FIELD = re.compile(
    r"(?i)^\.?(bot|app|team|workspace|tenant|org|organization|enterprise|deployment|assistant)"
    r"_?(user_?)?(id|name)$"
)

# Objects that hold per-request data in web frameworks and apps.
REQUEST_ROOTS = frozenset(
    {
        "request",
        "req",
        "session",
        "user",
        "current_user",
        "flask.request",
        "flask.session",
        "flask.g",
        "fastapi.Request",
        "streamlit.session_state",
        "st.session_state",
    }
)

# Methods that give the JSON schema of a model class (pydantic v2 `model_json_schema`, v1
# `schema` / `schema_json`): the shape of a type, the same for every request, even when the
# class was passed in (a response format).
SCHEMA_METHODS = frozenset({"model_json_schema", "schema", "schema_json", "json_schema"})

# Iterables whose order varies between processes or machines (CL303). sorted() fixes them.
UNORDERED_CALLS: dict[str, str] = {
    "os.listdir": "os.listdir() (directory order is arbitrary)",
    "os.scandir": "os.scandir() (directory order is arbitrary)",
    "os.walk": "os.walk() (directory order is arbitrary)",
    "glob.glob": "glob.glob() (directory order is arbitrary)",
    "glob.iglob": "glob.iglob() (directory order is arbitrary)",
    "pathlib.Path.glob": "Path.glob() (directory order is arbitrary)",
    "pathlib.Path.rglob": "Path.rglob() (directory order is arbitrary)",
    "pathlib.Path.iterdir": "Path.iterdir() (directory order is arbitrary)",
}
UNORDERED_METHODS: dict[str, str] = {
    "iterdir": "Path.iterdir() (directory order is arbitrary)",
    "glob": "Path.glob() (directory order is arbitrary)",
    "rglob": "Path.rglob() (directory order is arbitrary)",
}
SET_ORDER = "iteration over a set (string hashing is randomised per process)"
# Methods that list tools in the order a server returns them (MCP `session.list_tools()`).
SERVER_ORDER: dict[str, str] = {
    "list_tools": "the tools an MCP server lists (in whatever order the server returns them, "
    "which can change between sessions and restarts)",
}
MCP_NAMES = re.compile(r"(?i)mcp|session|server")  # receivers of list_tools() that are MCP
# Methods whose result is what was stored for the values they are given (retrieved memories,
# search hits, a user's profile): for request data, the data of that request or user.
RETRIEVAL = re.compile(r"(?i)search|retriev|recall|memor|profile|relevant|similar")
# A registry filled by tasks run concurrently: its entries come in the order the tasks finish.
RACED_ORDER = "in the order the tasks finish"
RACED = "the entries of {what}, which {fills} adds from tasks run concurrently ({how}), " + (
    RACED_ORDER
)
# Calls that start their arguments as concurrent tasks.
CONCURRENT = frozenset(
    {
        "gather",
        "create_task",
        "ensure_future",
        "start_soon",
        "as_completed",
        "wait",
        "submit",
        "map",
        "run_coroutine_threadsafe",
    }
)

# Functions whose result is computed once per process.
ONCE_DECORATORS = frozenset(
    {"functools.cache", "functools.lru_cache", "functools.cached_property", "cache", "lru_cache"}
)


def lookup(table: dict[str, str], name: str) -> str | None:
    """The table's entry for a dotted name, honouring `module.*` wildcards."""
    if name in table:
        return table[name]
    head, _, _ = name.rpartition(".")
    while head:
        star = table.get(head + ".*")
        if star is not None:
            return star
        head, _, _ = head.rpartition(".")
    return None
