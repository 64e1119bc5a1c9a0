package dev.dialtone.signaling.warmup;

import java.nio.charset.StandardCharsets;

/**
 * How the clients apps use open a Socket.IO websocket and send their HTTP long-polling requests:
 * the same requests, but each with its own headers, order and letter case. The server parses all
 * of them after a deploy, so the warm-up sends all of them; one style alone leaves the others'
 * branches of the header parsing to be compiled (and the compiled code thrown away) on the first
 * real connections.
 */
enum ClientStyle {
    /** Node's socket.io-client (the ws package; xmlhttprequest-ssl for polling). */
    NODE("Host: %1$s\r\nUser-Agent: node-XMLHttpRequest\r\nAccept: */*\r\nConnection: keep-alive\r\n",
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %2$s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\nHost: %1$s\r\n"),
    /** A browser. */
    BROWSER("Host: %1$s\r\nConnection: keep-alive\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"
            + " (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\nAccept: */*\r\nOrigin: https://app.example.com\r\n"
            + "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty\r\n"
            + "Referer: https://app.example.com/\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Accept-Language: en-US,en;q=0.9\r\n",
            "Host: %1$s\r\nConnection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/131.0.0.0 Safari/537.36\r\nUpgrade: websocket\r\nOrigin: https://app.example.com\r\n"
            + "Sec-WebSocket-Version: 13\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Accept-Language: en-US,en;q=0.9\r\nSec-WebSocket-Key: %2$s\r\n"
            + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"),
    /** Android and the Java client (OkHttp). */
    OKHTTP("Host: %1$s\r\nConnection: Keep-Alive\r\nAccept-Encoding: gzip\r\nUser-Agent: okhttp/4.12.0\r\n",
            "Host: %1$s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %2$s\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"
            + "Accept-Encoding: gzip\r\nUser-Agent: okhttp/4.12.0\r\n");

    private static final String PATH = "/socket.io/?EIO=4&transport=";

    private final String pollingHeaders;
    private final String upgradeHeaders;

    ClientStyle(String pollingHeaders, String upgradeHeaders) {
        this.pollingHeaders = pollingHeaders;
        this.upgradeHeaders = upgradeHeaders;
    }

    /**
     * The websocket upgrade request for {@code host} ({@code address:port}) with the client's
     * {@code key}; {@code sid} is the polling session it upgrades, or null for a websocket-only client.
     */
    String upgradeRequest(String host, String key, String sid) {
        return "GET " + PATH + "websocket" + (sid == null ? "" : "&sid=" + sid) + " HTTP/1.1\r\n"
                + upgradeHeaders.formatted(host, key) + "\r\n";
    }

    /**
     * A long-polling request to {@code host}: a GET (the handshake without {@code sid}, then polls)
     * or, with a {@code body}, a POST of packets. {@code t} is the cache buster clients add.
     */
    String pollingRequest(String host, String sid, String t, String body) {
        String query = PATH + "polling&t=" + t + (sid == null ? "" : "&sid=" + sid);
        String headers = pollingHeaders.formatted(host);
        if (body == null) {
            return "GET " + query + " HTTP/1.1\r\n" + headers + "\r\n";
        }
        return "POST " + query + " HTTP/1.1\r\n" + headers + "Content-Type: text/plain;charset=UTF-8\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }
}
