package dev.dialtone.server.edge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * The HTTP of one edge connection, routed by its first request head: Socket.IO
 * ({@code /socket.io/}) handed to the signaling service, which serves the connection from then on
 * on its own event loop, as if its port had accepted it; the test-call page and {@code /healthz}
 * passed on to the HTTP port; anything else (metrics, the admin API) answered 404 here. The head
 * is read (bounded) to route it and to put the {@link EdgeStamp} in, and the client's Host header
 * is kept, so that the signaling service names the host the client reached in its
 * {@code iceServers}. To the HTTP port, one request per connection (it is asked to close with
 * {@code Connection: close}), the body and response passed through untouched: nothing reaches it
 * that the edge has not routed, and it gets no websocket upgrade or chunked body. A relay-only
 * node has no signaling service: Socket.IO is answered 404 there.
 */
final class HttpForwarding {

    private static final int MAX_HEAD = 16 * 1024;
    /** What one read passes on, to the HTTP port and back; {@code transferTo} would take 16 KiB. */
    private static final int COPY_BUFFER = 8 * 1024;
    /** Reads from either side, the client or the HTTP port. */
    private static final int IDLE_MILLIS = 120_000;
    private static final int CONNECT_MILLIS = 5_000;
    /** The test-call page's files (StaticFiles): a few path segments, none starting with a dot. */
    private static final Pattern PAGE_FILE =
            Pattern.compile("(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}){1,4}\\.(html|js|css|json|svg|png|ico|map)");

    private final InetSocketAddress page;
    private final EdgeStamp stamp;
    private final EdgeCounters counters;
    private final boolean socketIo;

    HttpForwarding(InetSocketAddress page, EdgeStamp stamp, EdgeCounters counters, boolean socketIo) {
        this.page = page;
        this.stamp = stamp;
        this.counters = counters;
        this.socketIo = socketIo;
    }

    /** What serves a request for {@code path}: the signaling service, the HTTP port, or null for none (404). */
    Target route(String path) {
        if (path.equals("/socket.io") || path.startsWith("/socket.io/")) {
            return socketIo ? Target.SIGNALING : null;
        }
        if (path.equals("/") || path.equals("/healthz") || path.equals("/readyz") || path.equals("/config.json")
                || path.equals("/dev/token") || PAGE_FILE.matcher(path).matches()) {
            return Target.PAGE;
        }
        return null;
    }

    enum Target { SIGNALING, PAGE }

    /** Takes a connection for the signaling service, once its first request head is read. */
    @FunctionalInterface
    interface Handover {
        /** @param alreadyRead the plaintext read from it so far, stamped head first, to be served first */
        void take(byte[] alreadyRead);
    }

    /**
     * Serves the connection's request: returns once the response is through, or at once when the
     * connection is handed over.
     *
     * @param client        the accepted socket: its addresses, its read timeout, its close
     * @param in            its plaintext, after {@code head}
     * @param out           where its plaintext goes
     * @param head          bytes already read from {@code in}
     * @param firstHeadRead called once the request head is complete; false: give up (too late)
     * @param signaling     where a Socket.IO request goes, with the connection
     * @return true when the connection was handed over: it is no longer the caller's to close
     */
    boolean serve(Socket client, InputStream in, OutputStream out, byte[] head, boolean tls,
                  BooleanSupplier firstHeadRead, Handover signaling) throws IOException {
        client.setSoTimeout(IDLE_MILLIS);
        Head reader = new Head(head, in);
        Request request;
        try {
            request = reader.read();
        } catch (BadRequest e) {
            if (firstHeadRead.getAsBoolean()) {
                counters.refused(EdgeCounters.Refusal.BAD_HTTP);
                answer(out, e.status, e.getMessage());
            }
            return false;
        }
        if (!firstHeadRead.getAsBoolean() || request == null) {
            return false;
        }
        Target target = route(request.path());
        if (target == null) {
            answer(out, "404 Not Found", "not found");
            return false;
        }
        String line = stamp.line((InetSocketAddress) client.getRemoteSocketAddress(),
                (InetSocketAddress) client.getLocalSocketAddress(), tls);
        if (target == Target.SIGNALING) {
            signaling.take(reader.withRest(request.rewritten(line, false)));
            return true;
        }
        if (request.tiesConnection()) {
            counters.refused(EdgeCounters.Refusal.BAD_HTTP);
            answer(out, "400 Bad Request", "no upgrade or chunked body here");
            return false;
        }
        try (Socket backend = new Socket()) {
            backend.setTcpNoDelay(true);
            backend.setSoTimeout(IDLE_MILLIS);
            backend.connect(page, CONNECT_MILLIS);
            OutputStream up = backend.getOutputStream();
            up.write(request.rewritten(line, true));
            reader.body(request.contentLength(), up);
            copy(backend.getInputStream(), out);
        }
        return false;
    }

    /** Everything {@code in} gives until it ends, to {@code out}. */
    private static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
        }
    }

    private static void answer(OutputStream out, String status, String body) throws IOException {
        byte[] text = (body + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + text.length + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(text);
        out.flush();
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

        /**
         * The head with the edge's header in place of any the client sent, and with
         * {@code Connection: close} in place of the client's when {@code close}.
         */
        byte[] rewritten(String stampLine, boolean close) {
            StringBuilder out = new StringBuilder(lines[0]).append("\r\n").append(stampLine);
            if (close) {
                out.append("Connection: close\r\n");
            }
            for (int i = 1; i < lines.length; i++) {
                String name = name(lines[i]);
                if (!name.equalsIgnoreCase(EdgeStamp.HEADER) && !(close && name.equalsIgnoreCase("Connection"))) {
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
            long length = -1;
            boolean ties = false;
            for (int i = 1; i < lines.length; i++) {
                String name = name(lines[i]);
                String value = lines[i].substring(lines[i].indexOf(':') + 1).trim();
                if (name.isEmpty()) {
                    throw new BadRequest("400 Bad Request", "malformed header line");
                } else if (name.equalsIgnoreCase("Content-Length")) {
                    long given;
                    try {
                        given = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new BadRequest("400 Bad Request", "bad Content-Length");
                    }
                    // two different lengths: the port behind might take the other one (request smuggling)
                    if (given < 0 || length >= 0 && given != length) {
                        throw new BadRequest("400 Bad Request", "bad Content-Length");
                    }
                    length = given;
                } else if (name.equalsIgnoreCase("Transfer-Encoding") || name.equalsIgnoreCase("Upgrade")) {
                    ties = true;
                }
            }
            return new Request(lines, path, Math.max(0, length), ties);
        }
    }

    /** A request head read from a client, and the bytes after it. */
    private static final class Head {

        private final InputStream in;
        /** Grows to {@link #MAX_HEAD} only for a client that sends large heads. */
        private byte[] buffer = new byte[2048];
        private int start;
        private int end;

        /** @param first bytes already read from {@code in} */
        Head(byte[] first, InputStream in) {
            this.in = in;
            this.buffer = Arrays.copyOf(first, Math.max(first.length, buffer.length));
            this.end = first.length;
        }

        /** The request head; null when the client closed before sending a byte of it. */
        Request read() throws IOException {
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
            byte[] chunk = left > 0 ? new byte[(int) Math.min(left, COPY_BUFFER)] : null;
            while (left > 0) {
                int n = in.read(chunk, 0, (int) Math.min(left, chunk.length));
                if (n < 0) {
                    throw new IOException("request body cut short");
                }
                out.write(chunk, 0, n);
                left -= n;
            }
        }

        /** {@code head} followed by what was read after the request head and not yet taken. */
        byte[] withRest(byte[] head) {
            byte[] all = Arrays.copyOf(head, head.length + end - start);
            System.arraycopy(buffer, start, all, head.length, end - start);
            start = end;
            return all;
        }
    }
}
