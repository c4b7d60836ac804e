"""strangler: find the seams in a Python monolith and grow microservices around them."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("strangler")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+src"
