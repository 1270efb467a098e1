"""Calls socket-server with gRPC's C core (Debian's python3-grpcio) and prints, per case, the
status it reports: one JSON line {"case", "code", "details"} each. Like statuses.mjs (grpc-js) it
asserts nothing itself: GrpcErrorsDistributionTest owns the expected statuses. Requests are
encoded by hand (a few bytes each), so no generated code or protobuf runtime is needed.

usage: /usr/bin/python3 statuses.py <port> <api key>
"""
import json
import sys

import grpc

MAX_PUBLISH_BYTES = 1 << 20


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def string_field(number, value):
    data = value.encode("utf-8")
    return varint(number << 3 | 2) + varint(len(data)) + data


def main():
    if len(sys.argv) != 3:
        print("usage: statuses.py <port> <api key>", file=sys.stderr)
        sys.exit(2)
    port, key = sys.argv[1], sys.argv[2]
    channel = grpc.insecure_channel("127.0.0.1:" + port, options=[("grpc.max_send_message_length", 4 << 20)])

    def call(method, request, api_key=key):
        metadata = [] if api_key is None else [("authorization", "Bearer " + api_key)]
        stub = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
        try:
            stub(request, metadata=metadata, timeout=10)
            return grpc.StatusCode.OK, ""
        except grpc.RpcError as e:
            return e.code(), e.details() or ""

    api = "/notifications.NotificationService/"
    # Message {type: TYPE_INFO (field 1 = 2), entityId (field 2)}
    info = b"\x08\x02" + string_field(2, "grpc-core")
    cases = [
        ("ok", api + "Broadcast", info, key),
        ("privateNotify empty userId", api + "PrivateNotify", b"", key),
        ("notifyRoom empty room", api + "NotifyRoom", string_field(2, ""), key),
        ("publish without target", api + "Publish", b"", key),
        ("old service privateNotify empty userId", "/notificationspb.NotificationService/PrivateNotify", b"", key),
        ("broadcast without key", api + "Broadcast", b"", None),
        ("broadcast with wrong key", api + "Broadcast", b"", "not-the-key"),
        ("broadcast over MAX_PUBLISH_BYTES", api + "Broadcast", string_field(2, "x" * MAX_PUBLISH_BYTES), key),
        ("unknown method", api + "NoSuchMethod", b"", key),
    ]
    for name, method, request, api_key in cases:
        code, details = call(method, request, api_key)
        print(json.dumps({"case": name, "code": code.value[0], "details": details}), flush=True)
    channel.close()


if __name__ == "__main__":
    main()
