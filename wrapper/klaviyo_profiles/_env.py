"""The environment variable the key is read from, named once in a module that imports
nothing: the command line names it before it loads the client (``--help`` never does)."""

__all__ = ["API_KEY_ENV"]

#: Environment variable read when no ``api_key`` is passed.
API_KEY_ENV = "KLAVIYO_API_KEY"
