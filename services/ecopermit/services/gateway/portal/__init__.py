"""The web portal: server-rendered pages for every role, over the public RPCs."""
