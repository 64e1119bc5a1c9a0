package dev.dialtone.signaling.warmup;

/**
 * How the clients apps use open a Socket.IO websocket: the same request, but each with its own
 * headers, order and letter case. The server parses all of them after a deploy, so the warm-up
 * sends all of them; one style alone leaves the others' branches of the header parsing to be
 * compiled (and the compiled code thrown away) on the first real connections.
 */
enum ClientStyle {
    /** Node's socket.io-client (the ws package). */
    NODE("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %2$s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\nHost: %1$s\r\n"),
    /** A browser. */
    BROWSER("Host: %1$s\r\nConnection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/131.0.0.0 Safari/537.36\r\nUpgrade: websocket\r\nOrigin: https://app.example.com\r\n"
            + "Sec-WebSocket-Version: 13\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Accept-Language: en-US,en;q=0.9\r\nSec-WebSocket-Key: %2$s\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"),
    /** Android and the Java client (OkHttp). */
    OKHTTP("Host: %1$s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %2$s\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"
            + "Accept-Encoding: gzip\r\nUser-Agent: okhttp/4.12.0\r\n");

    private final String headers;

    ClientStyle(String headers) {
        this.headers = headers;
    }

    /** The upgrade request for {@code host} ({@code address:port}) with the client's {@code key}. */
    String upgradeRequest(String host, String key) {
        return "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n" + headers.formatted(host, key) + "\r\n";
    }
}
