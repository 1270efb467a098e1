# socket-server: a second clear-text connector for gRPC backends that expect the old
# GRPC_PORT (9003). It speaks exactly what the main `http` connector speaks (HTTP/1.1,
# WebSocket and h2c prior knowledge), on its own port. Optional: leave the module out and
# every client uses jetty.http.port.

[description]
A second clear-text HTTP/1.1 + HTTP/2 (h2c) connector on socketserver.grpc.port (default 9003).

[tags]
connector
http2

[depend]
http2c

[xml]
etc/socket-server-grpc.xml

[ini-template]
## The second connector's port (the old server's GRPC_PORT).
# socketserver.grpc.port=9003
