"""An app that cannot be imported: the master must stop with its traceback."""


def application(environ, start_response)
    start_response("200 OK", [])
    return [b"never"]
