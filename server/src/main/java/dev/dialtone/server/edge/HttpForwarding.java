package dev.dialtone.server.edge;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP of one edge connection, passed on request by request: Socket.IO ({@code /socket.io/})
 * to the signaling port, the test-call page and {@code /healthz} to the HTTP port, anything else
 * (metrics, the admin API) answered 404 here. Request heads are read (bounded) to route them and
 * to put the {@link EdgeStamp} in; bodies and responses pass through untouched. A websocket upgrade
 * or a chunked body ties the connection to its port for good. The client's Host header is kept, so
 * that the signaling service names the host the client reached in its {@code iceServers}.
 */
final class HttpForwarding {

    private static final Logger log = LoggerFactory.getLogger(HttpForwarding.class);
    private static final int MAX_HEAD = 16 * 1024;
    /** Between requests, and within one: a websocket is pinged every 25 s, a long poll waits at most 45 s. */
    private static final int IDLE_MILLIS = 120_000;
    private static final int CONNECT_MILLIS = 5_000;
    /** The test-call page's files (StaticFiles): a few path segments, none starting with a dot. */
    private static final Pattern PAGE_FILE =
            Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){1,4}\\.(html|js|css|json|svg|png|ico|map)");

    private final InetSocketAddress signaling;
    private final InetSocketAddress page;
    private final EdgeStamp stamp;
    private final EdgeCounters counters;

    HttpForwarding(InetSocketAddress signaling, InetSocketAddress page, EdgeStamp stamp, EdgeCounters counters) {
        this.signaling = signaling;
        this.page = page;
        this.stamp = stamp;
        this.counters = counters;
    }

    /** Where a request for {@code path} goes; null for paths the edge does not serve. */
    InetSocketAddress route(String path) {
        if (path.equals("/socket.io") || path.startsWith("/socket.io/")) {
            return signaling;
        }
        if (path.equals("/") || path.equals("/healthz") || path.equals("/readyz") || path.equals("/config.json")
                || path.equals("/dev/token") || PAGE_FILE.matcher(path).matches()) {
            return page;
        }
        return null;
    }

    /**
     * Serves the connection until either side closes it.
     *
     * @param head         bytes already read from {@code client}
     * @param firstHeadRead called once the first request head is complete; false: give up (too late)
     */
    void serve(Socket client, byte[] head, boolean tls, BooleanSupplier firstHeadRead) throws IOException {
        client.setSoTimeout(IDLE_MILLIS);
        Heads heads = new Heads(new SequenceInputStream(new ByteArrayInputStream(head), client.getInputStream()));
        String line = stamp.line((InetSocketAddress) client.getRemoteSocketAddress(),
                (InetSocketAddress) client.getLocalSocketAddress(), tls);
        Backend backend = null;
        boolean first = true;
        try {
            while (true) {
                Request request;
                try {
                    request = heads.next();
                } catch (BadRequest e) {
                    if (!first || firstHeadRead.getAsBoolean()) {
                        counters.refused(EdgeCounters.Refusal.BAD_HTTP);
                        answer(client, e.status, e.getMessage());
                    }
                    return;
                }
                if (first && !firstHeadRead.getAsBoolean()) {
                    return;
                }
                first = false;
                if (request == null) {
                    return;
                }
                InetSocketAddress target = route(request.path());
                if (target == null) {
                    answer(client, "404 Not Found", "not found");
                    return;
                }
                if (backend == null || !backend.target.equals(target)) {
                    if (backend != null) {
                        backend.retire();
                    }
                    backend = new Backend(target, client);
                }
                OutputStream out = backend.socket.getOutputStream();
                out.write(request.withStamp(line));
                if (request.tiesConnection()) {
                    heads.rest(out);
                    return;
                }
                heads.body(request.contentLength(), out);
            }
        } finally {
            if (backend != null) {
                backend.retire();
            }
        }
    }

    private static void answer(Socket client, String status, String body) throws IOException {
        byte[] text = (body + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + text.length + "\r\nConnection: close\r\n\r\n";
        OutputStream out = client.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(text);
        out.flush();
    }

    /** A connection to the signaling or HTTP port, its responses copied to the client as they come. */
    private static final class Backend {

        final InetSocketAddress target;
        final Socket socket = new Socket();
        private volatile boolean retired;

        Backend(InetSocketAddress target, Socket client) throws IOException {
            this.target = target;
            socket.setTcpNoDelay(true);
            socket.connect(target, CONNECT_MILLIS);
            Thread.ofVirtual().name("edge-backend-" + target.getPort()).start(() -> pump(client));
        }

        /** Copies responses until the port closes the connection; then the client's closes too. */
        private void pump(Socket client) {
            try (InputStream in = socket.getInputStream()) {
                in.transferTo(client.getOutputStream());
            } catch (IOException e) {
                log.debug("edge: {} -> client ended: {}", target, e.toString());
            }
            if (!retired) {
                try {
                    client.close();
                } catch (IOException e) {
                    log.debug("edge: closing the client: {}", e.toString());
                }
            }
        }

        /** Done with this port: the client's next request goes elsewhere (or nowhere). */
        void retire() throws IOException {
            retired = true;
            socket.close();
        }
    }

    /** A request head too large or not HTTP/1.x. */
    private static final class BadRequest extends IOException {

        final String status;

        BadRequest(String status, String message) {
            super(message);
            this.status = status;
        }
    }

    /**
     * One request head.
     *
     * @param lines the head without its final empty line
     */
    private record Request(String[] lines, String path, long contentLength, boolean tiesConnection) {

        /** The head with the edge's header in place of any the client sent. */
        byte[] withStamp(String stampLine) {
            StringBuilder out = new StringBuilder(lines[0]).append("\r\n").append(stampLine);
            for (int i = 1; i < lines.length; i++) {
                if (!name(lines[i]).equalsIgnoreCase(EdgeStamp.HEADER)) {
                    out.append(lines[i]).append("\r\n");
                }
            }
            return out.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        static String name(String line) {
            int colon = line.indexOf(':');
            return colon < 0 ? "" : line.substring(0, colon).trim();
        }

        static Request parse(String text) throws BadRequest {
            String[] lines = text.split("\r\n");
            String[] start = lines[0].split(" ");
            if (start.length != 3 || !start[2].startsWith("HTTP/1.") || !start[1].startsWith("/")) {
                throw new BadRequest("400 Bad Request", "not an HTTP/1.x request");
            }
            int query = start[1].indexOf('?');
            String path = query < 0 ? start[1] : start[1].substring(0, query);
            long length = 0;
            boolean ties = false;
            for (int i = 1; i < lines.length; i++) {
                String name = name(lines[i]);
                String value = lines[i].substring(lines[i].indexOf(':') + 1).trim();
                if (name.isEmpty()) {
                    throw new BadRequest("400 Bad Request", "malformed header line");
                } else if (name.equalsIgnoreCase("Content-Length")) {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new BadRequest("400 Bad Request", "bad Content-Length");
                    }
                    if (length < 0) {
                        throw new BadRequest("400 Bad Request", "bad Content-Length");
                    }
                } else if (name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Upgrade")) {
                    ties = true;
                }
            }
            return new Request(lines, path, length, ties);
        }
    }

    /** Request heads read from a client, and the bytes between them. */
    private static final class Heads {

        private final InputStream in;
        /** Grows to {@link #MAX_HEAD} only for a client that sends large heads. */
        private byte[] buffer = new byte[2048];
        private int start;
        private int end;

        Heads(InputStream in) {
            this.in = in;
        }

        /** The next request head; null when the client closed between requests. */
        Request next() throws IOException {
            int scanned = start;
            while (true) {
                for (int i = Math.max(start, scanned - 3); i + 3 < end; i++) {
                    if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n') {
                        String text = new String(buffer, start, i - start, StandardCharsets.ISO_8859_1);
                        start = i + 4;
                        return Request.parse(text);
                    }
                }
                scanned = end;
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    scanned -= start;
                    end -= start;
                    start = 0;
                }
                if (end == buffer.length && buffer.length < MAX_HEAD) {
                    buffer = Arrays.copyOf(buffer, Math.min(MAX_HEAD, 2 * buffer.length));
                } else if (end == buffer.length) {
                    throw new BadRequest("431 Request Header Fields Too Large", "request head over " + MAX_HEAD + " bytes");
                }
                int n = in.read(buffer, end, buffer.length - end);
                if (n < 0) {
                    if (end == start) {
                        return null;
                    }
                    throw new BadRequest("400 Bad Request", "request head cut short");
                }
                end += n;
            }
        }

        /** Copies {@code length} body bytes. */
        void body(long length, OutputStream out) throws IOException {
            long left = length;
            int buffered = (int) Math.min(left, end - start);
            out.write(buffer, start, buffered);
            start += buffered;
            left -= buffered;
            byte[] chunk = left > 0 ? new byte[(int) Math.min(left, 16 * 1024)] : null;
            while (left > 0) {
                int n = in.read(chunk, 0, (int) Math.min(left, chunk.length));
                if (n < 0) {
                    throw new IOException("request body cut short");
                }
                out.write(chunk, 0, n);
                left -= n;
            }
        }

        /** Copies everything else the client sends. */
        void rest(OutputStream out) throws IOException {
            out.write(buffer, start, end - start);
            start = end;
            in.transferTo(out);
        }
    }
}
